// Engine: sources land here.

// ModelIR: sources land here.

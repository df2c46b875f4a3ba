// Inference: sources land here.

// Quantizers: sources land here.

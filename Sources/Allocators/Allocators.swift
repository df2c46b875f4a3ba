// Allocators: sources land here.

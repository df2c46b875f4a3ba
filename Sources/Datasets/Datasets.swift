// Datasets: sources land here.

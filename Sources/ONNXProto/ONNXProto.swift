// ONNXProto: sources land here.

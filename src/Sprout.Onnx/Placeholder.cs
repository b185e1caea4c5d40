namespace Sprout.Onnx;

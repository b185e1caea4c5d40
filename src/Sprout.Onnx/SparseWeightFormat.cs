// SparseWeightFormat: how the exporter stores a sparse layer's weight matrix in the ONNX file.
namespace Sprout.Onnx;

/// <summary>Storage of sparse weights in an exported model.</summary>
public enum SparseWeightFormat
{
    /// <summary>A dense initializer with zeros at inactive positions: every ONNX runtime and op accepts it.</summary>
    Dense,

    /// <summary>
    /// A GraphProto.sparse_initializer (values [nnz] + ascending linearized int64 indices [nnz]): the file is
    /// proportional to nnz. ONNX Runtime densifies sparse initializers when it loads the model, so it runs them as the
    /// input of any op (Gemm here), computing densely. The ONNX checker's strict type inference (full_check) rejects
    /// them as a Gemm input, since their type is sparse_tensor(float); <see cref="SparseConstant"/> is the form the
    /// specification allows everywhere.
    /// </summary>
    SparseInitializer,

    /// <summary>
    /// A Constant node with a sparse_value attribute (the same SparseTensorProto): size proportional to nnz, output a
    /// dense tensor by the specification, so it is valid as the input of any op and passes the ONNX checker's full
    /// check. ONNX Runtime densifies it when it loads the model.
    /// </summary>
    SparseConstant,
}

// SparseWeightFormat: how the exporter stores a sparse layer's weight matrix in the ONNX file.
namespace Sprout.Onnx;

/// <summary>Storage of sparse weights in an exported model.</summary>
public enum SparseWeightFormat
{
    /// <summary>A dense initializer with zeros at inactive positions: every ONNX runtime and op accepts it.</summary>
    Dense,

    /// <summary>
    /// A GraphProto.sparse_initializer (values [nnz] + ascending linearized int64 indices [nnz]): the file is
    /// proportional to nnz. ONNX Runtime densifies sparse initializers when it loads the model, so they work as the
    /// input of any op (Gemm here); the computation is then dense.
    /// </summary>
    SparseInitializer,
}

// ResidualBlockMapping: the residual blocks of the conv nets, written out op by op from their children (found by
// module name, the names their parameters carry in checkpoints):
//   BasicBlock (post-activation):     relu(bn2(conv2(relu(bn1(conv1 x)))) + s),  s = x or shortcut (1×1 conv + BN) of x
//   WideBasicBlock (pre-activation):  o = relu(bn1 x); conv2(relu(bn2(conv1 o))) + s,  s = x or shortcut (1×1 conv) of o
// The children themselves go through the graph's mappings, so any conv layer kind (dense, masked, CSR) works here.
using Sprout.Nn;

namespace Sprout.Onnx.Mappings;

/// <summary>Emits <see cref="BasicBlock"/> and <see cref="WideBasicBlock"/> with an Add for the residual.</summary>
public sealed class ResidualBlockMapping : IOnnxMapping
{
    /// <inheritdoc/>
    public string? Emit(Module module, string path, string input, OnnxGraph graph)
    {
        switch (module)
        {
            case BasicBlock:
            {
                string y = Child(module, "conv1", path, input, graph);
                y = graph.Node("Relu", [Child(module, "bn1", path, y, graph)], path + ".relu1");
                y = Child(module, "bn2", path, Child(module, "conv2", path, y, graph), graph);
                string s = Has(module, "shortcut") ? Child(module, "shortcut", path, input, graph) : input;
                return graph.Node("Relu", [graph.Node("Add", [y, s], path + ".add")], path + ".relu2");
            }
            case WideBasicBlock:
            {
                string o = graph.Node("Relu", [Child(module, "bn1", path, input, graph)], path + ".relu1");
                string y = Child(module, "conv1", path, o, graph);
                y = graph.Node("Relu", [Child(module, "bn2", path, y, graph)], path + ".relu2");
                y = Child(module, "conv2", path, y, graph);
                string s = Has(module, "shortcut") ? Child(module, "shortcut", path, o, graph) : input;
                return graph.Node("Add", [y, s], path + ".add");
            }
            default:
                return null;
        }
    }

    private static bool Has(Module block, string name) => block.Children.Any(c => c.Name == name);

    private static string Child(Module block, string name, string path, string input, OnnxGraph graph) => graph.EmitChild(block, name, path, input);
}

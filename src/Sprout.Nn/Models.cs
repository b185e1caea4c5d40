// Model builders. The CLI maps model specs ("mlp:300,100") onto these; library users call them directly.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>Standard architectures.</summary>
public static class Models
{
    /// <summary>
    /// Flatten → (Linear → ReLU) per hidden size → Linear to <paramref name="classes"/> logits.
    /// LeNet-300-100 is <c>Mlp(784, [300, 100], 10, rng)</c>.
    /// </summary>
    public static Sequential Mlp(int inputs, IReadOnlyList<int> hidden, int classes, Rng rng)
    {
        var net = new Sequential(new Flatten());
        int width = inputs;
        foreach (int h in hidden)
        {
            net.Add(new Linear(width, h, rng)).Add(new Relu());
            width = h;
        }
        net.Add(new Linear(width, classes, rng));
        return net;
    }
}

// VitSpec: parses a --model value for a vision transformer into a VitConfig. Kept apart from the CLI so that the
// CLI's model registry only maps the name "vit"/"vit-tiny" to this parser and the dataset's image shape.
//   vit:patch=4,dim=192,depth=6,heads=3,mlp=384[,head=64][,pool=mean|cls][,pos=sincos|learned][,norm=tokens|pooled]
//   vit-tiny: GSE's "simple-vit-tiny" (mikeheddes/guided-stochastic-exploration models/__init__.py): patch 4, dim 512,
//   depth 4, heads 6, head width 64 (simple_vit's default dim_head, so the attention is 384 wide), MLP 256, and the
//   LayerNorm of its head after the token mean (its copy of simple_vit); "vit-tiny:width=2" scales dim, heads and MLP
//   as its width study does.
using System.Globalization;

namespace Sprout.Nn;

/// <summary>Parses ViT model specs.</summary>
public static class VitSpec
{
    /// <summary>The syntax, for help and error messages.</summary>
    public const string Syntax = "vit:patch=P,dim=D,depth=L,heads=H,mlp=M[,head=d][,pool=mean|cls][,pos=sincos|learned][,norm=tokens|pooled] or vit-tiny[:width=W]";

    /// <summary>A valid example.</summary>
    public const string Example = "vit:patch=4,dim=128,depth=6,heads=4,mlp=256";

    /// <summary>True when <paramref name="text"/> names a ViT ("vit:…", "vit-tiny", "vit-tiny:…").</summary>
    public static bool Matches(string text)
    {
        string kind = text.Trim().Split(':', 2)[0].Trim().ToLowerInvariant();
        return kind is "vit" or "vit-tiny";
    }

    /// <summary>Parses a spec for images of C×H×W and the given classes.</summary>
    /// <exception cref="ArgumentException">The spec is malformed, a key is unknown, repeated or missing, or the sizes do not fit the image.</exception>
    public static VitConfig Parse(string text, int channels, int height, int width, int classes)
    {
        string t = text.Trim();
        int colon = t.IndexOf(':');
        string kind = (colon < 0 ? t : t[..colon]).Trim().ToLowerInvariant();
        var args = ParseArguments(colon < 0 ? "" : t[(colon + 1)..], t);
        VitConfig config;
        if (kind == "vit-tiny")
        {
            int scale = Take(args, "width", t) ?? 1;
            config = new VitConfig(channels, height, width, classes, Patch: 4, Dim: 512 * scale, Depth: 4, Heads: 6 * scale, HeadDim: 64, MlpDim: 256 * scale)
            {
                NormAfterPool = true,
            };
        }
        else if (kind == "vit")
        {
            int patch = Require(args, "patch", t), dim = Require(args, "dim", t), depth = Require(args, "depth", t);
            int heads = Require(args, "heads", t), mlp = Require(args, "mlp", t);
            int? head = Take(args, "head", t);
            if (head is null && dim % heads != 0)
                throw new ArgumentException($"Bad model spec '{t}': dim {dim} is not a multiple of heads {heads}; give the head width explicitly (head=…).");
            config = new VitConfig(channels, height, width, classes, patch, dim, depth, heads, head ?? dim / heads, mlp);
        }
        else throw new ArgumentException($"'{t}' is not a ViT spec; expected {Syntax}.");

        config = config with
        {
            Pool = Choice(args, "pool", t, config.Pool, ("mean", VitPool.Mean), ("cls", VitPool.ClassToken)),
            Positions = Choice(args, "pos", t, config.Positions, ("sincos", VitPositions.SinCos), ("learned", VitPositions.Learned)),
            NormAfterPool = Choice(args, "norm", t, config.NormAfterPool, ("tokens", false), ("pooled", true)),
        };
        if (args.Count > 0)
            throw new ArgumentException($"Bad model spec '{t}': unknown key '{args.Keys.First()}'; expected {Syntax}.");
        config.Validate();
        return config;
    }

    private static Dictionary<string, string> ParseArguments(string text, string spec)
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        if (text.Trim().Length == 0) return args;
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0 || eq == part.Length - 1)
                throw new ArgumentException($"Bad model spec '{spec}': '{part}' is not key=value; expected e.g. {Example}.");
            string key = part[..eq].Trim().ToLowerInvariant();
            if (!args.TryAdd(key, part[(eq + 1)..].Trim()))
                throw new ArgumentException($"Bad model spec '{spec}': '{key}' is given twice.");
        }
        return args;
    }

    private static int Require(Dictionary<string, string> args, string key, string spec) =>
        Take(args, key, spec) ?? throw new ArgumentException($"Bad model spec '{spec}': '{key}' is missing; expected e.g. {Example}.");

    private static int? Take(Dictionary<string, string> args, string key, string spec)
    {
        if (!args.Remove(key, out string? text)) return null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value <= 0)
            throw new ArgumentException($"Bad model spec '{spec}': {key}={text} is not a positive integer.");
        return value;
    }

    private static T Choice<T>(Dictionary<string, string> args, string key, string spec, T fallback, params (string Name, T Value)[] options)
    {
        if (!args.Remove(key, out string? text)) return fallback;
        foreach (var (name, value) in options)
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase)) return value;
        throw new ArgumentException($"Bad model spec '{spec}': {key}={text}; expected one of {string.Join(", ", options.Select(o => o.Name))}.");
    }
}

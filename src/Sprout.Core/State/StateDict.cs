// StateDict: named arrays (float, double, int, long) in flat dotted names, the in-memory form of the state a
// checkpoint carries beside parameters. Scope("1") returns a view whose names are prefixed "1.", so a component
// writes "weight.indptr" and the file holds "1.weight.indptr". Reading marks names as used, so a loader can
// reject tensors nothing asked for. Arrays are copied in and out: this runs at epoch ends, not in the hot loop.
namespace Sprout.Core;

/// <summary>Named state arrays with dotted scopes.</summary>
public sealed class StateDict
{
    private readonly Dictionary<string, StateEntry> _entries;
    private readonly HashSet<string> _used;
    private readonly string _prefix;

    /// <summary>An empty root.</summary>
    public StateDict() : this(new Dictionary<string, StateEntry>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal), "") { }

    private StateDict(Dictionary<string, StateEntry> entries, HashSet<string> used, string prefix) =>
        (_entries, _used, _prefix) = (entries, used, prefix);

    /// <summary>A view whose names are prefixed with <paramref name="name"/> + "." (the root for an empty name).</summary>
    public StateDict Scope(string name) => name.Length == 0 ? this : new(_entries, _used, _prefix + name + ".");

    /// <summary>Every entry of the whole dictionary (full names), sorted by name.</summary>
    public IEnumerable<StateEntry> Entries => _entries.Values.OrderBy(e => e.Name, StringComparer.Ordinal);

    /// <summary>Full names that some reader asked for.</summary>
    public IReadOnlySet<string> Used => _used;

    /// <summary>Adds an entry under its full name (used by file readers).</summary>
    /// <exception cref="ArgumentException">The name exists already.</exception>
    public void AddEntry(StateEntry entry)
    {
        if (!_entries.TryAdd(entry.Name, entry)) throw new ArgumentException($"State '{entry.Name}' was written twice.", nameof(entry));
    }

    /// <summary>Floats with an optional shape (default: one dimension).</summary>
    public void Add(string name, ReadOnlySpan<float> values, params int[] shape) => Put(name, values.ToArray(), shape);

    /// <summary>Doubles, one dimension.</summary>
    public void Add(string name, ReadOnlySpan<double> values) => Put(name, values.ToArray(), []);

    /// <summary>Ints, one dimension.</summary>
    public void Add(string name, ReadOnlySpan<int> values) => Put(name, values.ToArray(), []);

    /// <summary>Longs, one dimension.</summary>
    public void Add(string name, ReadOnlySpan<long> values) => Put(name, values.ToArray(), []);

    /// <summary>One integer (a counter or flag), stored as a one-element long array.</summary>
    public void AddScalar(string name, long value) => Put(name, new[] { value }, []);

    /// <summary>A random stream's state as six longs: s0..s3 (bit patterns), the spare normal's bits, has-spare.</summary>
    public void AddRng(string name, RngState s) =>
        Put(name, new[] { (long)s.S0, (long)s.S1, (long)s.S2, (long)s.S3, s.SpareNormalBits, s.HasSpareNormal ? 1L : 0L }, []);

    /// <summary>True when <paramref name="name"/> exists in this scope.</summary>
    public bool Contains(string name) => _entries.ContainsKey(_prefix + name);

    /// <summary>The float array <paramref name="name"/>.</summary>
    public float[] Floats(string name) => Get<float>(name);

    /// <summary>The double array <paramref name="name"/>.</summary>
    public double[] Doubles(string name) => Get<double>(name);

    /// <summary>The int array <paramref name="name"/>.</summary>
    public int[] Ints(string name) => Get<int>(name);

    /// <summary>The long array <paramref name="name"/>.</summary>
    public long[] Longs(string name) => Get<long>(name);

    /// <summary>The scalar <paramref name="name"/>.</summary>
    public long Scalar(string name)
    {
        var v = Get<long>(name);
        return v.Length == 1 ? v[0] : throw new InvalidDataException($"State '{_prefix + name}' should hold one number, not {v.Length}.");
    }

    /// <summary>The random-stream state <paramref name="name"/>.</summary>
    public RngState Rng(string name)
    {
        var v = Get<long>(name);
        if (v.Length != 6) throw new InvalidDataException($"State '{_prefix + name}' should hold 6 numbers (a random stream), not {v.Length}.");
        return new RngState((ulong)v[0], (ulong)v[1], (ulong)v[2], (ulong)v[3], (uint)v[4], v[5] != 0);
    }

    /// <summary>The shape of <paramref name="name"/>.</summary>
    public IReadOnlyList<int> ShapeOf(string name) => Find(name).Shape;

    private void Put(string name, Array data, int[] shape)
    {
        string full = _prefix + name;
        long count = 1;
        foreach (int d in shape) count *= d;
        if (shape.Length == 0) shape = [data.Length];
        else if (count != data.Length) throw new ArgumentException($"State '{full}' has {data.Length} values but shape [{string.Join(", ", shape)}].", nameof(shape));
        AddEntry(new StateEntry(full, data, shape));
    }

    private T[] Get<T>(string name)
    {
        var e = Find(name);
        return e.Data as T[] ?? throw new InvalidDataException($"State '{e.Name}' holds {e.Data.GetType().GetElementType()!.Name} values, not {typeof(T).Name}.");
    }

    private StateEntry Find(string name)
    {
        string full = _prefix + name;
        if (!_entries.TryGetValue(full, out var e)) throw new InvalidDataException($"The checkpoint has no state '{full}'.");
        _used.Add(full);
        return e;
    }
}

/// <summary>One named state array: float[], double[], int[] or long[], with its shape.</summary>
public sealed record StateEntry(string Name, Array Data, int[] Shape);

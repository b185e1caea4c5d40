// StepProfiler: an opt-in wall-time breakdown of training steps by op, for finding where a step's time goes
// (`sprout bench conv --breakdown`). Off by default; then every hook is one test of a static bool and nothing else.
// Forward time is attributed without a hook in every op: each recorded node marks the time since the previous mark,
// and ops compute before they record, so the gap is the op's forward (with any model glue since the last op). The
// tape times each node's Backward. Explicit regions (Begin/End) nest: a region's exclusive time excludes the regions
// inside it and is taken out of the enclosing region or forward gap, so the rows add up to the timed wall time.
// Per thread (the thread that runs the tape; kernels' worker threads are inside its regions), so tests that profile
// do not see each other.
using System.Diagnostics;

namespace Sprout.Core;

/// <summary>Accumulates exclusive wall time per label over the steps run while <see cref="Enabled"/> is true.</summary>
public static class StepProfiler
{
    private const int MaxDepth = 16;
    [ThreadStatic] private static long[]? _children; // time of finished child regions, per open depth
    [ThreadStatic] private static Dictionary<string, (long Ticks, long Calls)>? _totals;
    [ThreadStatic] private static List<string>? _order;
    [ThreadStatic] private static int _depth;
    [ThreadStatic] private static long _lastMark;
    [ThreadStatic] private static bool _enabled;

    /// <summary>Whether hooks on the calling thread record. Set it before a step starts, not inside one.</summary>
    public static bool Enabled
    {
        get => _enabled;
        set
        {
            _children ??= new long[MaxDepth + 1];
            _totals ??= new(StringComparer.Ordinal);
            _order ??= [];
            _enabled = value;
        }
    }

    private static long[] Children => _children!;
    private static Dictionary<string, (long Ticks, long Calls)> Totals => _totals!;
    private static List<string> Order => _order!;

    /// <summary>Starts a forward gap: the next <see cref="Mark"/> measures from here (call at the start of a step).</summary>
    public static void StartStep()
    {
        if (!_enabled) return;
        _depth = 0;
        Children[0] = 0;
        _lastMark = Stopwatch.GetTimestamp();
    }

    /// <summary>Attributes the time since the last mark, less the regions finished in between, to <paramref name="label"/>.</summary>
    public static void Mark(string label)
    {
        if (!_enabled || _depth != 0) return;
        long now = Stopwatch.GetTimestamp();
        Add(label, now - _lastMark - Children[0]);
        Children[0] = 0;
        _lastMark = now;
    }

    /// <summary>Opens a region; pass the result to <see cref="End"/>. Returns 0 (and opens nothing) when disabled.</summary>
    public static long Begin()
    {
        if (!_enabled || _depth >= MaxDepth) return 0;
        Children[++_depth] = 0;
        return Stopwatch.GetTimestamp();
    }

    /// <summary>Closes the region opened by <see cref="Begin"/> and adds its exclusive time to <paramref name="label"/>.</summary>
    public static void End(string label, long start)
    {
        if (start == 0 || _depth == 0) return;
        long elapsed = Stopwatch.GetTimestamp() - start;
        Add(label, elapsed - Children[_depth]);
        Children[--_depth] += elapsed;
    }

    /// <summary>The totals so far in first-seen order: label, milliseconds, calls.</summary>
    public static IReadOnlyList<(string Label, double Milliseconds, long Calls)> Snapshot() =>
        _order is null ? [] : Order.Select(l => (l, Totals[l].Ticks * 1000.0 / Stopwatch.Frequency, Totals[l].Calls)).ToArray();

    /// <summary>Forgets the totals.</summary>
    public static void Clear()
    {
        if (_order is null) return;
        Totals.Clear();
        Order.Clear();
        _depth = 0;
        Children[0] = 0;
    }

    private static void Add(string label, long ticks)
    {
        if (Totals.TryGetValue(label, out var t)) Totals[label] = (t.Ticks + ticks, t.Calls + 1);
        else
        {
            Totals[label] = (ticks, 1);
            Order.Add(label);
        }
    }

    /// <summary>A readable op name for a node type: its declaring op class for nested "Node" types, else the type name less "Node".</summary>
    internal static string LabelOf(Type nodeType)
    {
        string name = nodeType.Name == "Node" && nodeType.DeclaringType is { } d ? d.Name : nodeType.Name;
        if (name.EndsWith("Node", StringComparison.Ordinal) && name.Length > 4) name = name[..^4];
        if (name.EndsWith("Op", StringComparison.Ordinal) && name.Length > 2) name = name[..^2];
        return name;
    }
}

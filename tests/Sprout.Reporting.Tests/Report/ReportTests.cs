// The run report from the files a real (tiny) training run wrote: topology.jsonl and input_connections.json have the
// logged structure, the page has every section with an SVG plot, and a sweep folder yields one point per method.
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sprout.Reporting.Report;
using Sprout.TestSupport;

namespace Sprout.Reporting.Tests.Report;

public class ReportTests
{
    [Fact]
    public void TopologyLogRecordsStartUpdatesAndInputConnections()
    {
        using var dir = new TempDir();
        TinyRun.Train(dir.PathOf("run"), epochs: 3);
        var run = RunData.Load(dir.PathOf("run"));
        Assert.Equal(3, run.Epochs.Count);
        Assert.Equal("start", run.Topology[0].Event);
        Assert.Equal(0, run.Topology[0].Step);
        var updates = run.Topology.Skip(1).ToList();
        Assert.NotEmpty(updates);
        Assert.All(updates, u => Assert.Equal("update", u.Event));
        Assert.All(updates, u => Assert.Equal(0, u.Step % 6)); // the schedule's update interval
        Assert.Equal(["1", "3"], run.Topology[0].Layers.Select(l => l.Name));
        Assert.Equal((16, 8, 64), (run.Topology[0].Layers[0].Rows, run.Topology[0].Layers[0].Cols, run.Topology[0].Layers[0].Nnz));
        Assert.True(updates[0].Layers[0].Dropped > 0);
        // SET keeps nnz per layer: every dropped connection is replaced by a new one or regrown in place.
        Assert.All(updates, u => Assert.All(u.Layers, l => Assert.Equal(l.Dropped, l.Grown + l.Regrown)));
        var inputs = run.Inputs!;
        Assert.True(inputs.IsImage);
        Assert.Equal(64, inputs.Start.Sum()); // every live connection of layer 1 counted once
        Assert.Equal(64, inputs.End.Sum());
        Assert.NotEqual(inputs.Start, inputs.End); // SET rewired some of them
        Assert.Equal(run.Epochs[^1].Step, inputs.EndStep);
    }

    [Fact]
    public void ReportHasEverySectionWithSvgPlots()
    {
        using var dir = new TempDir();
        TinyRun.Train(dir.PathOf("run"), epochs: 3);
        string html = HtmlReport.Build([RunData.Load(dir.PathOf("run"))]);
        var plots = Regex.Matches(html, "data-plot=\"([a-z-]+)\"><img alt=\"[a-z-]+\" src=\"data:(image/[a-z+]+);base64,([A-Za-z0-9+/=]+)\"")
            .ToDictionary(m => m.Groups[1].Value, m => (Type: m.Groups[2].Value, Bytes: Convert.FromBase64String(m.Groups[3].Value)));
        Assert.Equal(["loss", "accuracy", "lr", "density", "churn", "inputs-start", "inputs-end"], plots.Keys);
        foreach (var (name, plot) in plots)
        {
            if (name.StartsWith("inputs", StringComparison.Ordinal))
                Assert.Equal(("image/png", (byte)0x89, (byte)'P'), (plot.Type, plot.Bytes[0], plot.Bytes[1]));
            else
                Assert.Equal(("image/svg+xml", true), (plot.Type, Encoding.UTF8.GetString(plot.Bytes).Contains("<svg")));
        }
        Assert.Contains("Density per layer", Encoding.UTF8.GetString(plots["density"].Bytes));
        Assert.Contains("<table class=\"layers\">", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", ""));
        Assert.DoesNotContain("https://", html);
    }

    [Fact]
    public void SweepFolderGivesOnePointPerMethodWithStd()
    {
        using var dir = new TempDir();
        string sweep = dir.PathOf("sweep");
        (string Name, string Method, double Acc, double? Flops)[] runs =
            [("a-s0", "set", 0.90, 0.2), ("a-s1", "set", 0.92, 0.2), ("b-s0", "dense", 0.95, null)];
        foreach (var (name, method, acc, flops) in runs)
        {
            string path = Path.Combine(sweep, name);
            TinyRun.Train(path, epochs: 1);
            var summary = new JsonObject { ["method"] = method, ["density"] = flops is null ? 1.0 : 0.1, ["test_accuracy"] = acc };
            if (flops is double f) summary["sparsity"] = new JsonObject { ["train_flops_relative_to_dense"] = f };
            File.WriteAllText(Path.Combine(path, "summary.json"), summary.ToJsonString());
        }
        var inputs = ReportInputs.Read([sweep]);
        Assert.Equal(3, inputs.Runs.Count);
        Assert.Equal(2, inputs.Sweep.Count);
        var set = inputs.Sweep[0];
        Assert.Equal(("set d=0.1", 2, 0.2), (set.Label, set.Runs, set.RelativeFlops));
        Assert.Equal(0.91, set.AccuracyMean, 1e-12);
        Assert.Equal(Math.Sqrt(2 * 0.01 * 0.01), set.AccuracyStd, 1e-12);
        Assert.Equal(("dense d=1", 1.0), (inputs.Sweep[1].Label, inputs.Sweep[1].RelativeFlops));
        Assert.Contains("data-plot=\"sweep\"", HtmlReport.Build(inputs.Runs, inputs.Sweep));
    }

    [Fact]
    public void MissingOrEmptyFolderIsRejectedWithAHint()
    {
        using var dir = new TempDir();
        var missing = Assert.Throws<InvalidDataException>(() => ReportInputs.Read([dir.PathOf("nope")]));
        Assert.Contains("does not exist", missing.Message);
        var empty = Assert.Throws<InvalidDataException>(() => ReportInputs.Read([dir.Path]));
        Assert.Contains("holds no run", empty.Message);
    }
}

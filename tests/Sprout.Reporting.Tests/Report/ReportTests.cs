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

    [Fact]
    public void HeatmapShowsTheImageUprightWithRowZeroAtTheTop()
    {
        // Only pixel (row 0, column 0) has connections: the brightest cell must be drawn top left, as in the image.
        int[] counts = new int[16];
        counts[0] = 9;
        var map = new InputMap("1", [1, 4, 4], 0, counts, 10, counts);
        using var bitmap = SkiaSharp.SKBitmap.Decode(ReportPlots.InputHeatmap(map, end: true));
        // The colour bar also holds the brightest colour: look left of it only (the plot's first 60 % of the width).
        int width = bitmap.Width * 6 / 10;
        long sumX = 0, sumY = 0, n = 0;
        int minX = int.MaxValue, maxX = 0, minY = int.MaxValue, maxY = 0;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                bool bright = c.Red > 200 && c.Green > 200 && c.Blue < 80; // viridis' yellow end
                bool cell = !(c.Red > 235 && c.Green > 235 && c.Blue > 235) && (c.Blue > 60 || bright) && !(c.Red < 60 && c.Green < 60 && c.Blue < 60);
                if (cell)
                {
                    (minX, maxX, minY, maxY) = (Math.Min(minX, x), Math.Max(maxX, x), Math.Min(minY, y), Math.Max(maxY, y));
                }
                if (bright) (sumX, sumY, n) = (sumX + x, sumY + y, n + 1);
            }
        Assert.True(n > 100, "no bright cell found");
        double cx = (double)sumX / n, cy = (double)sumY / n;
        Assert.True(cx < minX + (maxX - minX) / 3.0, $"bright cell centre x {cx:F0} is not in the left third of [{minX}, {maxX}]");
        Assert.True(cy < minY + (maxY - minY) / 3.0, $"bright cell centre y {cy:F0} is not in the top third of [{minY}, {maxY}]");
    }
}

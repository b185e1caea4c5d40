// ReportPlots: every figure of the run report, drawn with ScottPlot 5: line plots as SVG text, heat-maps as PNG
// (a browser scaling an SVG-embedded bitmap blurs the pixels a heat-map is about), so the HTML page embeds them and
// needs no network. Lines are told apart by colour, width and marker, never by dash pattern: Skia's SVG backend
// does not support path effects and prints a warning for each dashed line. Each method takes the parsed run data
// and nothing else; the page layout lives in HtmlReport.
using ScottPlot;

namespace Sprout.Reporting.Report;

/// <summary>The report's plots as SVG documents.</summary>
public static class ReportPlots
{
    /// <summary>Plot width in pixels.</summary>
    public const int Width = 640;
    /// <summary>Plot height in pixels.</summary>
    public const int Height = 360;

    /// <summary>Train (thin, light) and test (thick, with markers) curves of one metric per epoch, one colour per run.</summary>
    public static string EpochCurves(IReadOnlyList<RunData> runs, string title, string yLabel, Func<EpochPoint, double> train, Func<EpochPoint, double> test)
    {
        var plot = New(title, "epoch", yLabel);
        for (int r = 0; r < runs.Count; r++)
        {
            var e = runs[r].Epochs;
            if (e.Count == 0) continue;
            double[] xs = [.. e.Select(p => (double)p.Epoch)];
            var color = plot.Add.Palette.GetColor(r);
            double[] testYs = [.. e.Select(test)], trainYs = [.. e.Select(train)];
            var testLine = plot.Add.Scatter(xs, testYs, color);
            testLine.LegendText = Label(runs, r, "test");
            testLine.MarkerSize = e.Count > 30 ? 0 : 4;
            var trainLine = plot.Add.Scatter(xs, trainYs, color.WithAlpha(0.45));
            if (runs.Count == 1) trainLine.LegendText = "train"; // several runs: one entry per run (its test line)
            trainLine.LineWidth = 1;
            trainLine.MarkerSize = 0;
            testLine.LineWidth = 2;
        }
        return Svg(plot);
    }

    /// <summary>The learning rate per epoch, one line per run.</summary>
    public static string LearningRate(IReadOnlyList<RunData> runs)
    {
        var plot = New("Learning rate", "epoch", "learning rate");
        for (int r = 0; r < runs.Count; r++)
        {
            var e = runs[r].Epochs;
            if (e.Count == 0) continue;
            double[] xs = [.. e.Select(p => (double)p.Epoch)], ys = [.. e.Select(p => p.LearningRate)];
            var line = plot.Add.Scatter(xs, ys, plot.Add.Palette.GetColor(r));
            line.LegendText = runs.Count > 1 ? runs[r].Name : "lr";
            line.MarkerSize = 0;
        }
        return Svg(plot);
    }

    /// <summary>Each sparse layer's density over training steps (from topology.jsonl).</summary>
    public static string Density(RunData run)
    {
        var plot = New("Density per layer", "step", "density (nnz / positions)");
        foreach (var (name, i) in LayerNames(run))
        {
            double[] xs = [.. run.Topology.Select(t => (double)t.Step)];
            double[] ys = [.. run.Topology.Select(t => t.Layers.ElementAtOrDefault(i)?.Density ?? double.NaN)];
            var line = plot.Add.Scatter(xs, ys, plot.Add.Palette.GetColor(i));
            line.LegendText = $"layer {name}";
            line.MarkerSize = xs.Length > 60 ? 0 : 4;
            line.ConnectStyle = ConnectStyle.StepHorizontal;
        }
        return Svg(plot);
    }

    /// <summary>Per update and layer: connections dropped (circles), newly grown (triangles) and regrown just after being dropped (squares, thin).</summary>
    public static string Churn(RunData run)
    {
        var plot = New("Topology churn per update", "step", "connections");
        var updates = run.Topology.Where(t => t.Event == "update").ToList();
        double[] xs = [.. updates.Select(t => (double)t.Step)];
        foreach (var (name, i) in LayerNames(run))
        {
            var color = plot.Add.Palette.GetColor(i);
            (string Kind, Func<LayerPoint, int> Value, MarkerShape Shape, float Width)[] kinds =
                [("dropped", l => l.Dropped, MarkerShape.FilledCircle, 2), ("grown", l => l.Grown, MarkerShape.FilledTriangleUp, 1.5f),
                 ("regrown", l => l.Regrown, MarkerShape.OpenSquare, 1)];
            foreach (var (kind, value, shape, width) in kinds)
            {
                double[] ys = [.. updates.Select(t => t.Layers.ElementAtOrDefault(i) is { } l ? (double)value(l) : double.NaN)];
                var line = plot.Add.Scatter(xs, ys, color);
                line.LegendText = $"layer {name} {kind}";
                line.LineWidth = width;
                line.MarkerShape = shape;
                line.MarkerSize = xs.Length > 60 ? 3 : 6;
            }
        }
        return Svg(plot);
    }

    /// <summary>A heat-map (PNG bytes) of live first-layer connections per input pixel.</summary>
    public static byte[] InputHeatmap(InputMap map, bool end)
    {
        var counts = end ? map.End : map.Start;
        string when = end ? $"end, step {map.EndStep}" : $"start, step {map.StartStep}";
        var plot = New($"Layer {map.Layer} links per pixel, {when}", "", "");
        var heatmap = plot.Add.Heatmap(map.Image(counts));
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        // One colour scale for start and end, so the two maps compare directly.
        heatmap.ManualRange = new ScottPlot.Range(0, Math.Max(1, Math.Max(map.Start.Max(), map.End.Max())));
        plot.Add.ColorBar(heatmap);
        plot.Axes.SquareUnits();
        // Row 0 is drawn at the top, as in the image, while a y axis would count upwards: no axes, no grid.
        plot.Axes.Left.IsVisible = false;
        plot.Axes.Bottom.IsVisible = false;
        plot.Axes.Top.FrameLineStyle.Width = 0;
        plot.Axes.Right.FrameLineStyle.Width = 0;
        plot.HideGrid();
        return plot.GetImageBytes(480, 420, ImageFormat.Png);
    }

    /// <summary>Accuracy against training FLOPs relative to dense: one point per method (mean ± std over its runs).</summary>
    public static string SweepAccuracyVsFlops(IReadOnlyList<SweepPoint> points)
    {
        var plot = New("Test accuracy vs training FLOPs", "training FLOPs relative to dense", "test accuracy (%)");
        for (int i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var color = plot.Add.Palette.GetColor(i);
            double[] x = [p.RelativeFlops], y = [100 * p.AccuracyMean], error = [100 * p.AccuracyStd];
            var bar = plot.Add.ErrorBar(x, y, error);
            bar.Color = color;
            var marker = plot.Add.Marker(p.RelativeFlops, 100 * p.AccuracyMean, MarkerShape.FilledCircle, 8, color);
            marker.LegendText = $"{p.Label} (n={p.Runs})";
        }
        return Svg(plot);
    }

    private static IEnumerable<(string Name, int Index)> LayerNames(RunData run) =>
        run.Topology.Count == 0 ? [] : run.Topology[0].Layers.Select((l, i) => (l.Name, i));

    private static string Label(IReadOnlyList<RunData> runs, int r, string split) => runs.Count > 1 ? runs[r].Name : split;

    private static Plot New(string title, string x, string y)
    {
        var plot = new Plot();
        plot.Title(title);
        if (x.Length > 0) plot.XLabel(x);
        if (y.Length > 0) plot.YLabel(y);
        return plot;
    }

    // Up to four legend entries fit inside the data area; more go beside it (a wider figure keeps the data area).
    private static string Svg(Plot plot, int width = Width, int height = Height)
    {
        int entries = plot.GetPlottables().Count(p => !string.IsNullOrEmpty(p.LegendItems.FirstOrDefault()?.LabelText));
        if (entries > 4)
        {
            plot.ShowLegend(Edge.Right);
            width += 220;
        }
        else if (entries > 0) plot.ShowLegend();
        return plot.GetSvgXml(width, height);
    }
}

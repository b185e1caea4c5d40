// HtmlReport: the single self-contained HTML page of `sprout report` and of the end of `sprout train`: a table of
// the runs, loss/accuracy/learning-rate curves overlaid across runs, and per run the per-layer density over training,
// the topology churn per update, the per-layer table and the first-layer input heat-maps at start and end; for a
// sweep, accuracy against training FLOPs. Plots are ScottPlot SVGs (heat-maps PNGs) embedded as data: URIs (no
// script, no network).
// Pages with many runs draw per-run sections and curves for the first MaxDetailedRuns runs only.
using System.Globalization;
using System.Net;
using System.Text;

namespace Sprout.Reporting.Report;

/// <summary>Builds and writes the run report.</summary>
public static class HtmlReport
{
    /// <summary>The file name training writes into its run folder.</summary>
    public const string FileName = "report.html";

    /// <summary>Runs beyond this many are summarised in the table (and the sweep plot) but get no curves of their own.</summary>
    public const int MaxDetailedRuns = 8;

    private const string Style =
        "body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}h1{font-size:22px}h2{font-size:18px;margin-top:32px}" +
        "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}" +
        "td.l,th.l{text-align:left}.plots{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}figure img{display:block;border:1px solid #eee}" +
        "p.note{color:#666;font-size:13px}";

    /// <summary>Writes the report of <paramref name="runs"/> (and the sweep plot when <paramref name="sweep"/> has points) to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<RunData> runs, IReadOnlyList<SweepPoint>? sweep = null, string? title = null)
    {
        string html = Build(runs, sweep, title);
        string full = Path.GetFullPath(path), temp = full + ".tmp";
        File.WriteAllText(temp, html, new UTF8Encoding(false));
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>The page as text.</summary>
    public static string Build(IReadOnlyList<RunData> runs, IReadOnlyList<SweepPoint>? sweep = null, string? title = null)
    {
        if (runs.Count == 0) throw new ArgumentException("A report needs at least one run.", nameof(runs));
        title ??= runs.Count == 1 ? $"Sprout run {runs[0].Name}" : $"Sprout report: {runs.Count} runs";
        var detailed = runs.Take(MaxDetailedRuns).ToList();
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title><style>")
            .Append(Style).Append("</style></head><body>\n<h1>").Append(E(title)).Append("</h1>\n");
        html.Append("<p class=\"note\">Generated ").Append(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))
            .Append(" from ").Append(E(string.Join(", ", runs.Select(r => r.FullPath).Take(3)))).Append(runs.Count > 3 ? ", …" : "").Append(".</p>\n");
        RunTable(html, runs);

        if (sweep is { Count: > 0 })
        {
            html.Append("<h2>Sweep</h2>\n<div class=\"plots\">");
            Figure(html, "sweep", ReportPlots.SweepAccuracyVsFlops(sweep));
            html.Append("</div>\n");
            SweepTable(html, sweep);
        }

        html.Append("<h2>Training curves</h2>\n");
        if (runs.Count > detailed.Count) html.Append("<p class=\"note\">Curves of the first ").Append(detailed.Count).Append(" runs.</p>\n");
        html.Append("<div class=\"plots\">");
        Figure(html, "loss", ReportPlots.EpochCurves(detailed, "Loss (train thin, test thick)", "cross-entropy", e => e.TrainLoss, e => e.TestLoss));
        Figure(html, "accuracy", ReportPlots.EpochCurves(detailed, "Accuracy (train thin, test thick)", "accuracy (%)", e => 100 * e.TrainAccuracy, e => 100 * e.TestAccuracy));
        Figure(html, "lr", ReportPlots.LearningRate(detailed));
        html.Append("</div>\n");

        foreach (var run in detailed)
        {
            if (run.Topology.Count == 0 && run.Inputs is null) continue;
            html.Append("<h2>").Append(E(run.Name)).Append(": sparse structure</h2>\n<div class=\"plots\">");
            if (run.Topology.Count > 0)
            {
                Figure(html, "density", ReportPlots.Density(run));
                if (run.Topology.Any(t => t.Event == "update")) Figure(html, "churn", ReportPlots.Churn(run));
            }
            if (run.Inputs is { IsImage: true } inputs)
            {
                Figure(html, "inputs-start", ReportPlots.InputHeatmap(inputs, end: false), "image/png");
                Figure(html, "inputs-end", ReportPlots.InputHeatmap(inputs, end: true), "image/png");
            }
            html.Append("</div>\n");
            if (run.Topology.Count > 0) LayerTable(html, run);
        }
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void Figure(StringBuilder html, string name, string svg) => Figure(html, name, Encoding.UTF8.GetBytes(svg), "image/svg+xml");

    private static void Figure(StringBuilder html, string name, byte[] content, string mediaType) =>
        html.Append("<figure class=\"plot\" data-plot=\"").Append(name).Append("\"><img alt=\"").Append(name)
            .Append("\" src=\"data:").Append(mediaType).Append(";base64,").Append(Convert.ToBase64String(content)).Append("\"></figure>");

    private static void RunTable(StringBuilder html, IReadOnlyList<RunData> runs)
    {
        html.Append("<table><tr><th class=\"l\">run</th><th class=\"l\">dataset</th><th class=\"l\">model</th><th class=\"l\">method</th>")
            .Append("<th>density</th><th>epochs</th><th>final test acc %</th><th>best test acc %</th><th>train FLOPs vs dense</th></tr>\n");
        foreach (var r in runs)
        {
            var s = r.Summary;
            var last = r.Epochs.Count > 0 ? r.Epochs[^1] : null;
            double best = r.Epochs.Count > 0 ? r.Epochs.Max(e => e.TestAccuracy) : double.NaN;
            html.Append("<tr><td class=\"l\">").Append(E(r.Name)).Append("</td><td class=\"l\">").Append(E(Text(s, "dataset")))
                .Append("</td><td class=\"l\">").Append(E(Text(s, "model"))).Append("</td><td class=\"l\">").Append(E(Text(s, "method")))
                .Append("</td><td>").Append(F(Num(s?["density"]), "0.###")).Append("</td><td>").Append(last?.Epoch.ToString(CultureInfo.InvariantCulture) ?? "–")
                .Append("</td><td>").Append(F(100 * (last?.TestAccuracy ?? double.NaN), "0.00")).Append("</td><td>").Append(F(100 * best, "0.00"))
                .Append("</td><td>").Append(F(Num(s?["sparsity"]?["train_flops_relative_to_dense"]) is var f && double.IsNaN(f) && s is not null ? 1 : f, "0.000"))
                .Append("</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private static void SweepTable(StringBuilder html, IReadOnlyList<SweepPoint> points)
    {
        html.Append("<table><tr><th class=\"l\">method</th><th>runs</th><th>train FLOPs vs dense</th><th>test acc % (mean ± std)</th></tr>\n");
        foreach (var p in points)
            html.Append("<tr><td class=\"l\">").Append(E(p.Label)).Append("</td><td>").Append(p.Runs).Append("</td><td>").Append(F(p.RelativeFlops, "0.000"))
                .Append("</td><td>").Append(F(100 * p.AccuracyMean, "0.00")).Append(" ± ").Append(F(100 * p.AccuracyStd, "0.00")).Append("</td></tr>\n");
        html.Append("</table>\n");
    }

    private static void LayerTable(StringBuilder html, RunData run)
    {
        var first = run.Topology[0];
        var last = run.Topology[^1];
        var updates = run.Topology.Where(t => t.Event == "update").ToList();
        html.Append("<table class=\"layers\"><tr><th class=\"l\">layer</th><th>shape</th><th>density start</th><th>density end</th><th>nnz end</th>")
            .Append("<th>updates</th><th>dropped</th><th>grown</th><th>regrown just dropped</th></tr>\n");
        for (int i = 0; i < last.Layers.Count; i++)
        {
            var l = last.Layers[i];
            double start = i < first.Layers.Count ? first.Layers[i].Density : double.NaN;
            long dropped = updates.Sum(u => (long)(u.Layers.ElementAtOrDefault(i)?.Dropped ?? 0));
            long grown = updates.Sum(u => (long)(u.Layers.ElementAtOrDefault(i)?.Grown ?? 0));
            long regrown = updates.Sum(u => (long)(u.Layers.ElementAtOrDefault(i)?.Regrown ?? 0));
            html.Append("<tr><td class=\"l\">").Append(E(l.Name)).Append("</td><td>").Append(l.Rows).Append(" × ").Append(l.Cols)
                .Append("</td><td>").Append(F(start, "0.0000")).Append("</td><td>").Append(F(l.Density, "0.0000")).Append("</td><td>").Append(l.Nnz)
                .Append("</td><td>").Append(updates.Count).Append("</td><td>").Append(dropped).Append("</td><td>").Append(grown).Append("</td><td>")
                .Append(regrown).Append("</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private static string Text(System.Text.Json.Nodes.JsonObject? s, string key) =>
        s?[key] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue(out string? text) ? text : "–";

    private static double Num(System.Text.Json.Nodes.JsonNode? node) =>
        node is System.Text.Json.Nodes.JsonValue v && v.TryGetValue(out double d) ? d : double.NaN;

    private static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}

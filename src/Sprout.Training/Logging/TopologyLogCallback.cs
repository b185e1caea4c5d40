// TopologyLogCallback: records what the run report needs about the sparse structure while training runs:
// runs/<name>/topology.jsonl gets one line at the start and one per topology update (step, epoch, and per layer
// nnz, density, dropped, grown and regrown-just-dropped counts), and input_connections.json holds the first
// layer's live connections per input feature at the start and after the latest epoch. The step loop pays only
// a counter comparison; a line is formatted (and allocated) once per update, the map once per epoch.
// It does not decide anything about training; it reads the layers and the scheduler's LastUpdate.
using System.Buffers;
using System.Text;
using System.Text.Json;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Sparse.Topology;
using Sprout.Training.Runs;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Logging;

/// <summary>Writes topology.jsonl and input_connections.json into a run directory.</summary>
public sealed class TopologyLogCallback : ITrainingCallback
{
    /// <summary>One JSON line per topology update (and one at the start).</summary>
    public const string TopologyFile = "topology.jsonl";
    /// <summary>First-layer connections per input at the start and after the latest epoch.</summary>
    public const string InputConnectionsFile = "input_connections.json";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);
    private readonly RunDirectory _run;
    private readonly int[]? _imageShape;
    private IReadOnlyList<ISparseLayer> _layers = [];
    private TopologyScheduler? _scheduler;
    private Module? _model;
    private int _updatesSeen;
    private int[] _startCounts = [];
    private int _startStep;
    private int[] _counts = [];

    /// <summary>Creates the callback; <paramref name="imageShape"/> ([C, H, W]) lets the report draw the input map as an image.</summary>
    public TopologyLogCallback(RunDirectory run, int[]? imageShape = null)
    {
        _run = run;
        _imageShape = imageShape;
    }

    /// <inheritdoc/>
    public void OnTrainStart(Trainer trainer)
    {
        _model = trainer.Model;
        _layers = trainer.Model.SparseLayers();
        _scheduler = trainer.Callbacks.OfType<SparsityCallback>().Select(c => c.Driver.Scheduler).FirstOrDefault(s => s is not null);
        _updatesSeen = _scheduler?.Updates ?? 0;
        if (_layers.Count > 0)
        {
            string topology = _run.RecordFile(TopologyFile); // in sprout.manifest, so --overwrite may replace it
            if (trainer.Step == 0 || !File.Exists(topology))
                File.WriteAllText(topology, Line(trainer.Step, trainer.CompletedEpochs, "start", null) + "\n", Utf8NoBom);
            else // resumed: lines an interrupted process wrote after the checkpoint are dropped
                File.WriteAllText(topology, string.Concat(File.ReadLines(topology).Where(l => StepOf(l) <= trainer.Step).Select(l => l + "\n")), Utf8NoBom);
        }
        if (InputConnections.FirstLayer(trainer.Model) is { } first)
        {
            _counts = new int[first.Inputs];
            string path = _run.PathOf(InputConnectionsFile);
            if (File.Exists(path) && trainer.Step > 0 && ReadStart(path, first.Inputs) is { } kept)
                (_startStep, _startCounts) = kept;
            else
            {
                _startCounts = new int[first.Inputs];
                InputConnections.Count(trainer.Model, _startCounts);
                _startStep = trainer.Step;
            }
            WriteInputConnections(first.Name, trainer.Step);
        }
    }

    /// <inheritdoc/>
    public void OnStepEnd(Trainer trainer, in StepInfo step)
    {
        if (_scheduler is null || _scheduler.Updates == _updatesSeen) return;
        _updatesSeen = _scheduler.Updates;
        File.AppendAllText(_run.PathOf(TopologyFile), Line(step.Step, step.Epoch, "update", _scheduler.LastUpdate.ToArray()) + "\n", Utf8NoBom);
    }

    /// <inheritdoc/>
    public void OnEpochEnd(Trainer trainer, EpochResult result)
    {
        if (_counts.Length > 0 && InputConnections.FirstLayer(trainer.Model) is { } first) WriteInputConnections(first.Name, result.Step);
    }

    private string Line(int step, int epoch, string kind, LayerUpdate[]? updates)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("step", step);
            json.WriteNumber("epoch", epoch);
            json.WriteString("event", kind);
            json.WriteNumber("update", _scheduler?.Updates ?? 0);
            json.WriteStartArray("layers");
            for (int i = 0; i < _layers.Count; i++)
            {
                var t = _layers[i].Topology;
                json.WriteStartObject();
                json.WriteString("name", _layers[i].LayerName);
                json.WriteNumber("rows", t.Rows);
                json.WriteNumber("cols", t.Cols);
                json.WriteNumber("nnz", t.Nnz);
                json.WriteNumber("density", Math.Round(t.Density, 6));
                var u = updates is not null && i < updates.Length ? updates[i] : default;
                json.WriteNumber("dropped", u.Dropped);
                json.WriteNumber("grown", u.Grown);
                json.WriteNumber("regrown", u.Regrown);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private void WriteInputConnections(string layer, int step)
    {
        InputConnections.Count(_model!, _counts);
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("layer", layer);
            json.WriteNumber("inputs", _counts.Length);
            if (_imageShape is not null)
            {
                json.WriteStartArray("image_shape");
                foreach (int d in _imageShape) json.WriteNumberValue(d);
                json.WriteEndArray();
            }
            json.WriteNumber("start_step", _startStep);
            Array(json, "start", _startCounts);
            json.WriteNumber("end_step", step);
            Array(json, "end", _counts);
            json.WriteEndObject();
        }
        string target = _run.RecordFile(InputConnectionsFile), temp = target + ".tmp";
        File.WriteAllBytes(temp, buffer.WrittenSpan.ToArray());
        File.Move(temp, target, overwrite: true);
    }

    private static void Array(Utf8JsonWriter json, string name, int[] values)
    {
        json.WriteStartArray(name);
        foreach (int v in values) json.WriteNumberValue(v);
        json.WriteEndArray();
    }

    private static int StepOf(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.TryGetProperty("step", out var s) && s.TryGetInt32(out int v) ? v : int.MaxValue;
        }
        catch (JsonException)
        {
            return int.MaxValue;
        }
    }

    private static (int Step, int[] Counts)? ReadStart(string path, int inputs)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var start = doc.RootElement.GetProperty("start");
            if (start.GetArrayLength() != inputs) return null;
            return (doc.RootElement.GetProperty("start_step").GetInt32(), start.EnumerateArray().Select(e => e.GetInt32()).ToArray());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}

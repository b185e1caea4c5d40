// `sprout train` under a real mpirun with 2 ranks on localhost (skipped, with the reason, where mpirun is absent):
// the same accuracy as one process with the same global batch, summary.json with world_size and the all-reduced
// bytes per step equal to the nnz-based count, every rank's model identical (DataParallel's fingerprint checks
// pass after every update), only rank 0 writing, and a deterministic-reduction run that stops and resumes
// reproducing the straight run bit for bit; and `sprout bench mpi` on 3 ranks, which checks every collective of
// the P/Invoke layer (float/double/int64 all-reduces, allgather, float and byte broadcasts, barrier) against known
// answers.
using System.Diagnostics;
using System.Text.Json.Nodes;
using Sprout.Training.Checkpoints;

namespace Sprout.Cli.Tests;

public sealed class MpiTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private static readonly string[] Common = ["--model", "mlp:32", "--method", "rigl", "--density", "0.2", "--epochs", "3",
        "--update-every", "4", "--end-fraction", "0.9", "--plain", "--threads", "1"];

    /// <summary>A fact that is skipped when Open MPI's mpirun is not on PATH.</summary>
    public sealed class MpiFactAttribute : FactAttribute
    {
        public MpiFactAttribute()
        {
            if (MpiRun is null) Skip = "mpirun not found: install Open MPI (apt-get install openmpi-bin libopenmpi-dev) to run the 2-rank tests.";
        }
    }

    private static readonly string? MpiRun = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);

    private (int Code, string Output) Mpirun(int ranks, params string[] args) => MpirunCommand(ranks, ["train", .. args]);

    private (int Code, string Output) MpirunCommand(int ranks, params string[] args)
    {
        var info = new ProcessStartInfo(MpiRun!) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _cli.Root };
        if (Environment.UserName == "root") info.ArgumentList.Add("--allow-run-as-root");
        foreach (string a in (string[])["--oversubscribe", "-np", ranks.ToString(), "dotnet", Path.Combine(AppContext.BaseDirectory, "sprout.dll"), .. args])
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mpirun did not finish in 3 minutes: {stdout.Result}{stderr.Result}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private JsonObject Summary(string run) => JsonNode.Parse(File.ReadAllText(_cli.PathOf(run, "summary.json")))!.AsObject();

    [Theory]
    [InlineData("--rounds", "0")]
    [InlineData("--floats", "16,x")]
    [InlineData("--busy-us", "-1")]
    public void BenchMpi_RejectsBadInputBeforeStartingMpi(string flag, string value)
    {
        var result = CliRunner.Run("bench", "mpi", flag, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(flag, result.Error);
    }

    [MpiFact]
    public void BenchMpi_ChecksEveryCollectiveOnThreeRanks()
    {
        var (code, output) = MpirunCommand(3, "bench", "mpi", "--rounds", "3", "--floats", "16,1024");
        Assert.True(code == 0, output);
        Assert.Contains("3 ranks: every collective correct", output);
        Assert.Contains("fit:", output);
    }

    [MpiFact]
    public void TwoRanks_MatchOneProcess_AndReduceNnzBasedBytes()
    {
        var single = _cli.Train("single", Common);
        Assert.True(single.ExitCode == 0, single.ToString());
        var (code, output) = Mpirun(2, [.. Common, "--out", _cli.PathOf("two")]);
        Assert.True(code == 0, output);

        var one = Summary("single");
        var two = Summary("two");
        Assert.Equal(1, (int)one["world_size"]!);
        Assert.Equal(2, (int)two["world_size"]!);
        // Same global batch and seed: equal to float summation order (on the digits' 359 test images, within one image).
        Assert.Equal((double)one["test_accuracy"]!, (double)two["test_accuracy"]!, 1.0 / 359 + 1e-9);

        var dist = two["distributed"]!.AsObject();
        long nnzBased = 0;
        foreach (var layer in two["sparsity"]!["layers"]!.AsArray()) nnzBased += 4L * ((long)layer!["nnz"]! + (long)layer["rows"]!); // weights + bias
        Assert.Equal(nnzBased, (long)dist["gradient_bytes_per_step"]!);
        Assert.Equal(nnzBased + 8, (long)dist["allreduce_bytes_per_step"]!); // + loss and update flag
        int updates = (int)two["sparsity"]!["topology_updates"]!;
        Assert.True(updates >= 3, $"{updates} topology updates");
        Assert.True((int)dist["agreement_checks"]! >= updates + 1, dist.ToJsonString());
        Assert.True((long)dist["topology_bytes_reduced"]! > 0); // RigL's dense-gradient blocks were summed
        // Only rank 0 wrote: no other run folder appeared beside the two requested.
        Assert.Equal("single,two", string.Join(",", Directory.GetDirectories(_cli.Root).Select(Path.GetFileName).Order()));
    }

    [MpiFact]
    public void TwoRanks_DeterministicStopAndResume_EqualsStraight()
    {
        string[] det = [.. Common, "--deterministic-reduce"];
        var (code, output) = Mpirun(2, [.. det, "--out", _cli.PathOf("straight")]);
        Assert.True(code == 0, output);
        (code, output) = Mpirun(2, [.. det, "--out", _cli.PathOf("split"), "--stop-after", "1"]);
        Assert.True(code == 0, output);
        (code, output) = Mpirun(2, ["--resume", _cli.PathOf("split", "last.safetensors"), "--plain", "--threads", "1"]);
        Assert.True(code == 0, output);

        Assert.True((bool)Summary("split")["distributed"]!["deterministic_reduction"]!);
        var a = SafetensorsFile.Read(_cli.PathOf("straight", "last.safetensors"));
        var b = SafetensorsFile.Read(_cli.PathOf("split", "last.safetensors"));
        Assert.Equal(a.Entries.Select(e => e.Name), b.Entries.Select(e => e.Name));
        foreach (var e in a.Entries)
        {
            var (x, y) = (a.ToTypedArray(e.Name), b.ToTypedArray(e.Name));
            Assert.True(x.Length == y.Length && x.Cast<object>().SequenceEqual(y.Cast<object>()), $"tensor '{e.Name}' differs after resuming");
        }
        Assert.Equal(3, (int)Summary("split")["epochs"]!);
    }

    [MpiFact]
    public void TwoRanks_SparseResNet_ReduceNnzBasedBytes_AndTrainLikeOneProcess()
    {
        string[] args = ["--data", "digits", "--model", "resnet8", "--method", "rigl", "--density", "0.1", "--epochs", "2",
            "--update-every", "4", "--end-fraction", "0.9", "--plain", "--threads", "1"];
        var single = _cli.Train("single", args);
        Assert.True(single.ExitCode == 0, single.ToString());
        var (code, output) = Mpirun(2, [.. args, "--out", _cli.PathOf("two")]);
        Assert.True(code == 0, output);

        var one = Summary("single");
        var two = Summary("two");
        Assert.Equal(2, (int)two["world_size"]!);
        // BatchNorm normalizes each rank's 50 samples, not the global 100: not float order, so a looser tolerance (5 pp
        // on 359 test images after 2 epochs) than the MLP's one image.
        Assert.Equal((double)one["test_accuracy"]!, (double)two["test_accuracy"]!, 0.05);

        // Nnz-based count: the sparse and dense conv/linear weights as the summary lists them, plus the biases and the
        // BatchNorm scales and shifts as the checkpoint stores them (running statistics are buffers, not gradients).
        var dist = two["distributed"]!.AsObject();
        long elements = two["sparsity"]!["layers"]!.AsArray().Sum(l => (long)l!["nnz"]!);
        var checkpoint = SafetensorsFile.Read(_cli.PathOf("two", "last.safetensors"));
        var names = checkpoint.Entries.Select(e => e.Name).ToHashSet();
        foreach (var e in checkpoint.Entries)
        {
            bool batchNormWeight = e.Name.EndsWith(".weight", StringComparison.Ordinal) && names.Contains(e.Name[..^".weight".Length] + ".running_mean");
            if ((e.Name.EndsWith(".bias", StringComparison.Ordinal) && !e.Name.StartsWith("optimizer.", StringComparison.Ordinal)) || batchNormWeight)
                elements += checkpoint.ToTypedArray(e.Name).Length;
        }
        Assert.Equal(4 * elements, (long)dist["gradient_bytes_per_step"]!);
        Assert.Equal(4 * elements + 8, (long)dist["allreduce_bytes_per_step"]!);
        int updates = (int)two["sparsity"]!["topology_updates"]!;
        Assert.True(updates >= 3, $"{updates} topology updates");
        Assert.True((int)dist["agreement_checks"]! >= updates + 1, dist.ToJsonString());
        Assert.True((long)dist["topology_bytes_reduced"]! > 0); // RigL's dense-gradient blocks of the conv layers were summed
    }
}

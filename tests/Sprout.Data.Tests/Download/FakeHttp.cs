// FakeHttp: an in-memory web server for downloader tests. Serves byte arrays by URL, honours single
// "bytes=N-" Range requests (206) unless told not to, returns configured failures, and records requests.
using System.Net;
using System.Net.Http.Headers;

namespace Sprout.Data.Tests.Download;

internal sealed class FakeHttp : HttpMessageHandler
{
    public Dictionary<string, byte[]> Files { get; } = [];

    public Dictionary<string, HttpStatusCode> Statuses { get; } = [];

    /// <summary>URLs whose connection "fails" (HttpRequestException), like an unreachable host.</summary>
    public HashSet<string> Unreachable { get; } = [];

    public bool HonorRange { get; set; } = true;

    public List<(string Url, RangeHeaderValue? Range)> Requests { get; } = [];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string url = request.RequestUri!.ToString();
        Requests.Add((url, request.Headers.Range));
        if (Unreachable.Contains(url)) throw new HttpRequestException("Connection refused (fake)");
        if (Statuses.TryGetValue(url, out HttpStatusCode status)) return Task.FromResult(new HttpResponseMessage(status));
        if (!Files.TryGetValue(url, out byte[]? bytes)) return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound));
        if (HonorRange && request.Headers.Range is { } range)
        {
            long from = range.Ranges.First().From ?? 0;
            if (from >= bytes.Length) return Task.FromResult(new HttpResponseMessage(HttpStatusCode.RequestedRangeNotSatisfiable));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.PartialContent) { Content = new ByteArrayContent(bytes, (int)from, bytes.Length - (int)from) });
        }
        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(bytes) });
    }
}

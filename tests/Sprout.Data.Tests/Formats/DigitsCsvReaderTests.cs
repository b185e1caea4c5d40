// DigitsCsvReader on small synthetic CSVs: parsing, scaling by 1/16, and malformed input.
using System.Text;
using Sprout.Data.Formats;
using Sprout.TestSupport;

namespace Sprout.Data.Tests.Formats;

public class DigitsCsvReaderTests
{
    private static string Line(int pixel, int label) => string.Join(",", Enumerable.Repeat(pixel, 64)) + "," + label;

    private static Dataset Parse(string text) => DigitsCsvReader.Read(new MemoryStream(Encoding.ASCII.GetBytes(text)), "test.csv");

    [Fact]
    public void ParsesLinesAndScalesBySixteen()
    {
        Dataset data = Parse(Line(0, 3) + "\n" + Line(16, 9) + "\r\n" + Line(8, 0));
        Assert.Equal(3, data.Count);
        Assert.Equal([3, 9, 0], data.Labels);
        Assert.Equal(new ImageShape(1, 8, 8), data.ImageShape);
        Assert.Equal(1f, data.Sample(1)[63]);
        Assert.Equal(0.5f, data.Sample(2)[0]);
    }

    [Fact]
    public void AcceptsFloatFormattedIntegersFromGzip()
    {
        using var dir = new TempDir();
        string text = string.Join(",", Enumerable.Repeat("4.0", 64)) + ",7.0\n";
        string path = dir.Write("digits.csv.gz", Synthetic.Gzip(Encoding.ASCII.GetBytes(text)));
        Dataset data = DigitsCsvReader.Read(path);
        Assert.Equal([7], data.Labels);
        Assert.Equal(0.25f, data.Sample(0)[5]);
    }

    [Fact]
    public void WrongFieldCountNamesTheLine()
    {
        var e = Assert.Throws<DataException>(() => Parse(Line(1, 1) + "\n1,2,3\n"));
        Synthetic.AssertMessage(e, "test.csv", "line 2", "3 fields", "expected 65");
    }

    [Fact]
    public void PixelOutOfRangeIsReported()
    {
        var e = Assert.Throws<DataException>(() => Parse(Line(17, 1)));
        Synthetic.AssertMessage(e, "test.csv", "line 1", "pixel 0 is 17", "0..16");
    }

    [Fact]
    public void LabelOutOfRangeIsReported()
    {
        var e = Assert.Throws<DataException>(() => Parse(Line(1, 10)));
        Synthetic.AssertMessage(e, "test.csv", "line 1", "label 10", "out of range 0..9");
    }

    [Fact]
    public void NonNumericFieldIsReported()
    {
        var e = Assert.Throws<DataException>(() => Parse(Line(1, 1).Replace("1,1,1", "1,x,1")));
        Synthetic.AssertMessage(e, "test.csv", "line 1", "field 2", "not a small non-negative integer");
    }
}

// VitSpec: the spec syntax, the vit-tiny preset (GSE's simple-vit-tiny) and its width study, and one-line errors.
namespace Sprout.Nn.Tests.Vit;

public sealed class VitSpecTests
{
    [Fact]
    public void ParsesTheIssueExampleWithHeadWidthFromDimAndHeads()
    {
        var c = VitSpec.Parse("vit:patch=4,dim=192,depth=6,heads=3,mlp=384", 3, 32, 32, 10);
        Assert.Equal(new VitConfig(3, 32, 32, 10, Patch: 4, Dim: 192, Depth: 6, Heads: 3, HeadDim: 64, MlpDim: 384), c);
        Assert.Equal(64, c.Patches);
        Assert.True(VitSpec.Matches(" ViT:patch=4"));
        Assert.False(VitSpec.Matches("mlp:300"));
    }

    [Fact]
    public void ParsesOptions()
    {
        var c = VitSpec.Parse("vit:patch=8, dim=64,depth=2,heads=2,head=16,mlp=128,pool=cls,pos=learned,norm=pooled", 1, 32, 32, 10);
        Assert.Equal((16, VitPool.ClassToken, VitPositions.Learned, true, 17), (c.HeadDim, c.Pool, c.Positions, c.NormAfterPool, c.Tokens));
    }

    [Fact]
    public void VitTinyIsGsesSimpleVitTinyAndScalesWithWidth()
    {
        var c = VitSpec.Parse("vit-tiny", 3, 32, 32, 100);
        Assert.Equal((4, 512, 4, 6, 64, 256, true), (c.Patch, c.Dim, c.Depth, c.Heads, c.HeadDim, c.MlpDim, c.NormAfterPool));
        var wide = VitSpec.Parse("vit-tiny:width=2", 3, 32, 32, 100);
        Assert.Equal((1024, 12, 64, 512), (wide.Dim, wide.Heads, wide.HeadDim, wide.MlpDim));
    }

    [Theory]
    [InlineData("vit:patch=4,dim=192,depth=6,heads=3", "'mlp' is missing")]
    [InlineData("vit:patch=4,dim=192,depth=6,heads=3,mlp=384,drop=1", "unknown key 'drop'")]
    [InlineData("vit:patch=4,patch=2,dim=192,depth=6,heads=3,mlp=384", "given twice")]
    [InlineData("vit:patch=0,dim=192,depth=6,heads=3,mlp=384", "not a positive integer")]
    [InlineData("vit:patch=5,dim=192,depth=6,heads=3,mlp=384", "does not divide")]
    [InlineData("vit:patch=4,dim=130,depth=6,heads=4,mlp=384", "head width")]
    [InlineData("vit:patch=4,dim=192,depth=6,heads=3,mlp=384,pool=max", "pool=max")]
    [InlineData("vit:patch4", "not key=value")]
    public void RejectsBadSpecsSayingWhatIsWrong(string spec, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => VitSpec.Parse(spec, 3, 32, 32, 10));
        Assert.Contains(message, ex.Message);
    }
}

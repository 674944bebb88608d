using System.Text;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Smart.Tracking;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart.Tracking;

public sealed class ClientTrackingTests
{
    [Theory]
    [InlineData("ERR PREFIX option requires BCAST mode to be enabled", "PREFIX", "a")]
    [InlineData("ERR OPTIN and OPTOUT are not compatible with BCAST", "BCAST", "OPTIN")]
    [InlineData("ERR You can't specify both OPTIN mode and OPTOUT mode", "OPTIN", "OPTOUT")]
    [InlineData("ERR Prefix 'ab' overlaps with another provided prefix 'a'. Prefixes for a single client must not overlap.", "BCAST", "PREFIX", "ab", "PREFIX", "a")]
    public void RefusesOptionsThatDoNotGoTogether(string error, params string[] options)
    {
        var tracking = new ClientTracking();
        Assert.Equal(error, tracking.Enable(On(options)));
        Assert.False(tracking.IsOn);
    }

    [Fact]
    public void ModesCannotSwitchWithoutTurningTrackingOff()
    {
        var tracking = new ClientTracking();
        Assert.Null(tracking.Enable(On("OPTIN")));
        Assert.StartsWith("ERR You can't switch BCAST mode", tracking.Enable(On("BCAST")));
        Assert.StartsWith("ERR You can't switch OPTIN/OPTOUT mode", tracking.Enable(On("OPTOUT")));
        tracking.Disable();
        Assert.Null(tracking.Enable(On("BCAST")));
        Assert.True(tracking.IsBcast);
    }

    [Fact]
    public void BroadcastPrefixesAddUpAndMustNotOverlapTheOnesSet()
    {
        var tracking = new ClientTracking();
        Assert.Null(tracking.Enable(On("BCAST", "PREFIX", "foo", "PREFIX", "bar")));
        Assert.Equal("ERR Prefix 'fo' overlaps with an existing prefix 'foo'. Prefixes for a single client must not overlap.", tracking.Enable(On("BCAST", "PREFIX", "fo")));
        Assert.Null(tracking.Enable(On("BCAST", "PREFIX", "baz")));
        Assert.Equal(new[] { "foo", "bar", "baz" }, tracking.Prefixes.Select(p => Encoding.UTF8.GetString(p)));
    }

    [Fact]
    public void CachingCoversTheNextCommandOrAWholeTransaction()
    {
        var tracking = new ClientTracking();
        Assert.StartsWith("ERR CLIENT CACHING can be called only", tracking.Caching(Args("CLIENT", "CACHING", "yes")).GetString());
        tracking.Enable(On("OPTIN"));
        Assert.False(tracking.RemembersReads);
        Assert.Equal("OK", tracking.Caching(Args("CLIENT", "CACHING", "yes")).GetString());
        tracking.CommandDone("CLIENT", inTransaction: false);
        Assert.True(tracking.RemembersReads);
        tracking.CommandDone("GET", inTransaction: true);
        Assert.True(tracking.RemembersReads);
        tracking.CommandDone("GET", inTransaction: false);
        Assert.False(tracking.RemembersReads);
    }

    [Fact]
    public void OwnWritesAreTakenOnceAndForgottenAtTheNextBarrier()
    {
        var tracking = new ClientTracking();
        tracking.Enable(On("BCAST", "NOLOOP"));
        tracking.NoteOwnWrites(new[] { "k", "k", "j" });
        Assert.True(tracking.TakeOwnWrite("k"));
        Assert.True(tracking.TakeOwnWrite("k"));
        Assert.False(tracking.TakeOwnWrite("k"));
        tracking.ForgetOwnWrites();
        Assert.False(tracking.TakeOwnWrite("j"));
    }

    [Fact]
    public void AFlushIsNewsOnceUntilTheClientRunsCommandsAgain()
    {
        var tracking = new ClientTracking();
        tracking.Enable(On());
        Assert.True(tracking.TakeNullDue());
        Assert.False(tracking.TakeNullDue());
        tracking.RearmNull();
        Assert.True(tracking.TakeNullDue());
    }

    [Fact]
    public void TrackingInfoAndClientListFlagsDescribeTheState()
    {
        var tracking = new ClientTracking();
        Assert.Equal(-1, tracking.RedirectForInfo);
        Assert.Equal(string.Empty, tracking.ListFlags());
        tracking.Enable(On("REDIRECT", "7", "OPTOUT", "NOLOOP"));
        tracking.Caching(Args("CLIENT", "CACHING", "no"));
        tracking.RedirectBroke();
        RespValue info = tracking.TrackingInfo();
        Assert.Equal(new[] { "on", "optout", "caching-no", "noloop", "broken_redirect" }, info.Items[1].Items.Select(i => i.GetString()));
        Assert.Equal(7, info.Items[3].Integer);
        Assert.Equal("tR", tracking.ListFlags());
    }

    private static TrackingRequest On(params string[] options)
        => TrackingRequest.Parse(Args(new[] { "CLIENT", "TRACKING", "ON" }.Concat(options).ToArray()), out _)!;

    private static byte[][] Args(params string[] args) => args.Select(a => Encoding.UTF8.GetBytes(a)).ToArray();
}

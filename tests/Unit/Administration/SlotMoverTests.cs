using System.Text;
using RedisCluster.Engine.Administration;
using RedisCluster.Tests.ClusterMetadata;
using Xunit;

namespace RedisCluster.Tests.Administration;

/// <summary>
/// SlotMover's order of CLUSTER SETSLOT NODE, against scripted nodes: the new owner first, and the old owner only once its
/// view shows the new owner holding the whole group (Redis 7.0 keeps a stale "owner not claiming" mark on a node told
/// the group before it heard the owner claim it: see SlotMover.AssignAsync, and MoveRedisSlotTests for the live race).
/// </summary>
public sealed class SlotMoverTests
{
    private static readonly string OwnerId = new('a', 40);
    private static readonly string PreviousId = new('b', 40);
    private static readonly int[] Group = { 10, 11, 12 };

    [Fact]
    public async Task TheOldOwnerIsToldOnlyOnceItShowsTheNewOwnerHoldingTheWholeGroup()
    {
        // The old owner has heard the new owner claim slot 10, then 10-11, then the whole group.
        string[] views = { View("5461-10922 10-10", "0-9 11-5460"), View("5461-10922 10-11", "0-9 12-5460"), View("5461-10922 10-12", "0-9 13-5460") };
        int asked = 0;
        using var owner = new ScriptedServer(line => Answer(line, () => "-ERR not asked\r\n"));
        using var previous = new ScriptedServer(line => Answer(line, () => Bulk(views[Math.Min(asked++, views.Length - 1)])));
        using NodeSession ownerSession = await OpenAsync(owner);
        using NodeSession previousSession = await OpenAsync(previous);

        await SlotMover.AssignAsync(Group, OwnerId, ownerSession, previousSession, new[] { ownerSession, previousSession }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Group.Select(SetSlot), owner.Received.Skip(1));
        Assert.Equal(Enumerable.Repeat("CLUSTER NODES", 3).Concat(Group.Select(SetSlot)), previous.Received.Skip(1));
    }

    [Fact]
    public async Task ANodeThatCannotShowItsViewIsToldAtOnce()
    {
        using var owner = new ScriptedServer(line => Answer(line, () => "-ERR not asked\r\n"));
        using var previous = new ScriptedServer(line => Answer(line, () => "-NOPERM this user has no permissions to run the 'cluster|nodes' command\r\n"));
        using NodeSession ownerSession = await OpenAsync(owner);
        using NodeSession previousSession = await OpenAsync(previous);

        await SlotMover.AssignAsync(Group, OwnerId, ownerSession, previousSession, new[] { ownerSession, previousSession }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(new[] { "CLUSTER NODES" }.Concat(Group.Select(SetSlot)), previous.Received.Skip(1));
    }

    /// <summary>The handshake's INFO server, SETSLOT's OK, and <paramref name="nodes"/> for CLUSTER NODES.</summary>
    private static string Answer(string line, Func<string> nodes) => line switch
    {
        "INFO server" => ScriptedServer.ServerInfo,
        "CLUSTER NODES" => nodes(),
        _ when line.StartsWith("CLUSTER SETSLOT ", StringComparison.Ordinal) => "+OK\r\n",
        _ => "-ERR unexpected " + line + "\r\n",
    };

    /// <summary>The old owner's CLUSTER NODES: the new owner's slots, and its own.</summary>
    private static string View(string ownerSlots, string previousSlots)
        => OwnerId + " 127.0.0.1:7001@17001 master - 0 0 5 connected " + ownerSlots + "\n"
            + PreviousId + " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected " + previousSlots + "\n";

    private static string Bulk(string text) => "$" + Encoding.UTF8.GetByteCount(text) + "\r\n" + text + "\r\n";

    private static string SetSlot(int slot) => "CLUSTER SETSLOT " + slot + " NODE " + OwnerId;

    private static Task<NodeSession> OpenAsync(ScriptedServer server) => NodeSession.OpenAsync(server.Endpoint, ScriptedServer.Connector, CancellationToken.None);
}

namespace RedisCluster.Tests.Tunnel;

/// <summary>
/// Replies recorded from a Redis 7.0.15 TLS-only 3-node cluster (ports 22601-22603), as the tunnel's
/// upstream connection receives them, and the node ids they name.
/// </summary>
internal static class RecordedReplies
{
    public const string Id1 = "cc3746eb2fb2d468e86d509893a512458da4d74c";
    public const string Id2 = "a372bcee24e4bc356779e2e9c4f51cf62d0e857d";
    public const string Id3 = "743b1363abe20a1d7421a92e8d06f9984f28b064";

    public const string SlotsResp2 =
        "*3\r\n*3\r\n:0\r\n:5460\r\n*4\r\n$9\r\n127.0.0.1\r\n:22601\r\n$40\r\n" + Id1 + "\r\n*0\r\n"
        + "*3\r\n:5461\r\n:10922\r\n*4\r\n$9\r\n127.0.0.1\r\n:22602\r\n$40\r\n" + Id2 + "\r\n*0\r\n"
        + "*3\r\n:10923\r\n:16383\r\n*4\r\n$9\r\n127.0.0.1\r\n:22603\r\n$40\r\n" + Id3 + "\r\n*0\r\n";

    public const string SlotsResp3 =
        "*3\r\n*3\r\n:0\r\n:5460\r\n*4\r\n$9\r\n127.0.0.1\r\n:22601\r\n$40\r\n" + Id1 + "\r\n%0\r\n"
        + "*3\r\n:5461\r\n:10922\r\n*4\r\n$9\r\n127.0.0.1\r\n:22602\r\n$40\r\n" + Id2 + "\r\n%0\r\n"
        + "*3\r\n:10923\r\n:16383\r\n*4\r\n$9\r\n127.0.0.1\r\n:22603\r\n$40\r\n" + Id3 + "\r\n%0\r\n";

    public static string ShardsResp2 => "*3\r\n" + Shard2(5461, 10922, Id2, 22602) + Shard2(0, 5460, Id1, 22601) + Shard2(10923, 16383, Id3, 22603);

    public static string ShardsResp3 => "*3\r\n" + Shard3(5461, 10922, Id2, 22602) + Shard3(0, 5460, Id1, 22601) + Shard3(10923, 16383, Id3, 22603);

    public static string NodesText(string host1, int port1, string host2, int port2, string host3, int port3) =>
        Id2 + " " + host2 + ":" + port2 + "@32602 master - 0 1795520648840 2 connected 5461-10922\n"
        + Id1 + " " + host1 + ":" + port1 + "@32601 myself,master - 0 1795520646000 1 connected 0-5460\n"
        + Id3 + " " + host3 + ":" + port3 + "@32603 master - 0 1795520649846 3 connected 10923-16383\n";

    public static string NodesRecorded => NodesText("127.0.0.1", 22601, "127.0.0.1", 22602, "127.0.0.1", 22603);

    public static string Bulk(string text) => "$" + System.Text.Encoding.UTF8.GetByteCount(text) + "\r\n" + text + "\r\n";

    public static string Verbatim(string text) => "=" + (System.Text.Encoding.UTF8.GetByteCount(text) + 4) + "\r\ntxt:" + text + "\r\n";

    private static string Shard2(int start, int end, string id, int port) =>
        "*4\r\n$5\r\nslots\r\n*2\r\n:" + start + "\r\n:" + end + "\r\n$5\r\nnodes\r\n*1\r\n*14\r\n"
        + "$2\r\nid\r\n$40\r\n" + id + "\r\n$8\r\ntls-port\r\n:" + port + "\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n"
        + "$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$18\r\nreplication-offset\r\n:0\r\n"
        + "$6\r\nhealth\r\n$6\r\nonline\r\n";

    private static string Shard3(int start, int end, string id, int port) =>
        "%2\r\n$5\r\nslots\r\n*2\r\n:" + start + "\r\n:" + end + "\r\n$5\r\nnodes\r\n*1\r\n%7\r\n"
        + "$2\r\nid\r\n$40\r\n" + id + "\r\n$8\r\ntls-port\r\n:" + port + "\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n"
        + "$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$18\r\nreplication-offset\r\n:0\r\n"
        + "$6\r\nhealth\r\n$6\r\nonline\r\n";
}

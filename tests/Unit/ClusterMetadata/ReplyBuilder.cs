using RedisCluster.Engine.Protocol;

namespace RedisCluster.Tests.ClusterMetadata;

/// <summary>
/// Builds recorded replies by hand in the shape either protocol gives them: RESP3 maps, sets and nulls,
/// or the RESP2 flat key/value arrays and null bulk strings the same server sends to a RESP2 client.
/// </summary>
internal sealed class ReplyBuilder
{
    private ReplyBuilder(bool resp3) => Resp3 = resp3;

    public static ReplyBuilder V2 { get; } = new ReplyBuilder(resp3: false);

    public static ReplyBuilder V3 { get; } = new ReplyBuilder(resp3: true);

    public static IEnumerable<object[]> Both => new[] { new object[] { 2 }, new object[] { 3 } };

    public bool Resp3 { get; }

    public static ReplyBuilder For(int protocol) => protocol == 3 ? V3 : V2;

    /// <summary>Alternating keys and values; a RESP3 map or a RESP2 flat array.</summary>
    public RespValue Map(params object?[] keysAndValues)
    {
        var items = keysAndValues.Select(Value).ToArray();
        return Resp3 ? RespValue.Create(RespType.Map, null, items: items) : RespValue.Array(items);
    }

    public RespValue Arr(params object?[] items) => RespValue.Array(items.Select(Value).ToArray());

    /// <summary>Flags, tips and ACL categories: RESP3 sets of simple strings, RESP2 arrays.</summary>
    public RespValue Set(params string[] items)
    {
        var values = items.Select(RespValue.SimpleString).ToArray();
        return Resp3 ? RespValue.Create(RespType.Set, null, items: values) : RespValue.Array(values);
    }

    public RespValue Null => Resp3 ? RespValue.Null : RespValue.NullBulkString;

    public RespValue Value(object? value) => value switch
    {
        null => Null,
        RespValue v => v,
        string s => RespValue.BulkString(s),
        int i => RespValue.FromInteger(i),
        long l => RespValue.FromInteger(l),
        _ => throw new ArgumentException("Cannot turn " + value.GetType() + " into a reply value."),
    };
}

using RedisCluster.Engine.Protocol;

namespace RedisCluster.Tests.ClusterMetadata;

/// <summary>Hand-built COMMAND entries and key specs in the shape a 7.0 server sends them.</summary>
internal static class CommandReplies
{
    public static RespValue Entry(
        ReplyBuilder r, string name, int arity, string[] flags, int first, int last, int step,
        string[]? acl = null, string[]? tips = null, RespValue[]? specs = null, RespValue[]? subcommands = null)
        => r.Arr(name, arity, r.Set(flags), first, last, step, r.Set(acl ?? Array.Empty<string>()), r.Set(tips ?? Array.Empty<string>()),
            r.Arr(specs ?? Array.Empty<object>()), r.Arr(subcommands ?? Array.Empty<object>()));

    public static RespValue Spec(ReplyBuilder r, string[] flags, RespValue beginSearch, RespValue findKeys, string? notes = null)
        => notes == null
            ? r.Map("flags", r.Set(flags), "begin_search", beginSearch, "find_keys", findKeys)
            : r.Map("notes", notes, "flags", r.Set(flags), "begin_search", beginSearch, "find_keys", findKeys);

    public static RespValue Index(ReplyBuilder r, int index) => r.Map("type", "index", "spec", r.Map("index", index));

    public static RespValue Keyword(ReplyBuilder r, string keyword, int startFrom)
        => r.Map("type", "keyword", "spec", r.Map("keyword", keyword, "startfrom", startFrom));

    public static RespValue Range(ReplyBuilder r, int lastKey, int keyStep, int limit)
        => r.Map("type", "range", "spec", r.Map("lastkey", lastKey, "keystep", keyStep, "limit", limit));

    public static RespValue KeyNum(ReplyBuilder r, int keyNumIndex, int firstKey, int keyStep)
        => r.Map("type", "keynum", "spec", r.Map("keynumidx", keyNumIndex, "firstkey", firstKey, "keystep", keyStep));

    public static RespValue Unknown(ReplyBuilder r) => r.Map("type", "unknown", "spec", r.Map());
}

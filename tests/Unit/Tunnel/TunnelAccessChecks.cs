using System.Net;
using System.Text;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel;
using Xunit;

namespace RedisCluster.Tests.Tunnel;

/// <summary>
/// What a tunnel with a local client password and a deny list must do, whatever its mode: the same checks
/// run against Standalone, Pinned and Smart tunnels.
/// </summary>
internal static class TunnelAccessChecks
{
    public const string LocalUser = "app";
    public const string LocalPassword = "Local-Tunnel-Pw1";
    public const string NoAuth = "NOAUTH Authentication required.";
    public const string ExecAbort = "EXECABORT Transaction discarded because of previous errors.";
    public const string WrongPass = "WRONGPASS invalid username-password pair or user is disabled.";

    public static void Protect(TunnelOptions options)
    {
        options.ClientCredential = new NetworkCredential(LocalUser, LocalPassword);
        options.DenyCommands = new List<string> { "@admin", "APPEND", "client|kill" };
    }

    public static void RequiresTheLocalPasswordFirst(int port)
    {
        using var client = RawRespClient.Connect(port);
        Assert.Equal(NoAuth, Error(client.Call("GET", "tunnel:access")));
        Assert.Equal(NoAuth, Error(client.Call("PING")));
        Assert.StartsWith("NOAUTH HELLO must be called with the client already authenticated", Error(client.Call("HELLO", "3")));
        Assert.Equal(WrongPass, Error(client.Call("AUTH", "wrong")));
        Assert.Equal(WrongPass, Error(client.Call("AUTH", LocalUser, "wrong")));
        Assert.Equal(WrongPass, Error(client.Call("AUTH", "someone-else", LocalPassword)));
        Assert.Equal(WrongPass, Error(client.Call("HELLO", "3", "AUTH", LocalUser, "wrong")));
        Assert.Equal(NoAuth, Error(client.Call("SET", "tunnel:access", "x")));

        Assert.Equal("OK", client.Call("AUTH", LocalPassword).GetString());
        Assert.Equal("OK", client.Call("SET", "{tunnel:access}a", "v").GetString());
        Assert.Equal("v", client.Call("GET", "{tunnel:access}a").GetString());
        Assert.Equal("OK", client.Call("AUTH", LocalUser, LocalPassword).GetString());

        // HELLO with AUTH authenticates and switches the protocol in one go, as with Redis.
        using var hello = RawRespClient.Connect(port);
        RespValue map = hello.Call("HELLO", "3", "AUTH", LocalUser, LocalPassword);
        Assert.False(map.IsError, map.GetString());
        Assert.Equal("v", hello.Call("GET", "{tunnel:access}a").GetString());
    }

    public static void RefusesDeniedCommandsAndCategories(int port)
    {
        using var client = RawRespClient.Connect(port);
        Assert.Equal("OK", client.Call("AUTH", LocalPassword).GetString());
        Assert.Equal("NOPERM this user has no permissions to run the 'config|get' command", Error(client.Call("CONFIG", "GET", "requirepass")));
        Assert.Equal("NOPERM this user has no permissions to run the 'acl|getuser' command", Error(client.Call("acl", "getuser", "alice")));
        Assert.Equal("NOPERM this user has no permissions to run the 'client|kill' command", Error(client.Call("CLIENT", "KILL", "ID", "1")));
        Assert.Equal("NOPERM this user has no permissions to run the 'append' command", Error(client.Call("APPEND", "{tunnel:access}b", "x")));

        // Allowed commands still pass, subcommands of a partly denied container included.
        Assert.Equal(RespType.Integer, client.Call("CLIENT", "ID").Type);
        Assert.Equal("OK", client.Call("SET", "{tunnel:access}b", "kept").GetString());

        // A denied command with a large payload is read and dropped, and what follows is relayed intact.
        string big = new string('z', 200_000);
        var pipeline = new List<byte>();
        pipeline.AddRange(RawRespClient.Encode("APPEND", "{tunnel:access}b", big));
        pipeline.AddRange(RawRespClient.Encode("GET", "{tunnel:access}b"));
        client.Send(pipeline.ToArray());
        Assert.StartsWith("NOPERM", Error(client.Read()));
        Assert.Equal("kept", client.Read().GetString());
    }

    public static void AnswersInPipelineOrder(int port)
    {
        using var client = RawRespClient.Connect(port);
        var pipeline = new List<byte>();
        foreach (string[] command in new[]
        {
            new[] { "GET", "{tunnel:access}c" },
            new[] { "AUTH", LocalPassword },
            new[] { "SET", "{tunnel:access}c", "1" },
            new[] { "CONFIG", "GET", "requirepass" },
            new[] { "INCR", "{tunnel:access}c" },
            new[] { "AUTH", "wrong" },
            new[] { "GET", "{tunnel:access}c" },
        })
        {
            pipeline.AddRange(RawRespClient.Encode(command));
        }

        client.Send(pipeline.ToArray());
        Assert.Equal(NoAuth, Error(client.Read()));
        Assert.Equal("OK", client.Read().GetString());
        Assert.Equal("OK", client.Read().GetString());
        Assert.StartsWith("NOPERM", Error(client.Read()));
        Assert.Equal(2, client.Read().Integer);
        Assert.Equal(WrongPass, Error(client.Read()));
        Assert.Equal("2", client.Read().GetString());
    }

    /// <summary>
    /// As in Redis, a command refused while queueing a transaction flags it: EXEC then discards it and answers
    /// EXECABORT instead of running the rest.
    /// </summary>
    public static void ADeniedCommandInsideMultiAbortsTheTransaction(int port)
    {
        using var client = RawRespClient.Connect(port);
        Assert.Equal("OK", client.Call("AUTH", LocalPassword).GetString());
        client.Call("DEL", "{tunnel:access}m");
        Assert.Equal("OK", client.Call("MULTI").GetString());
        Assert.Equal("QUEUED", client.Call("SET", "{tunnel:access}m", "1").GetString());
        Assert.StartsWith("NOPERM", Error(client.Call("CONFIG", "GET", "requirepass")));
        Assert.Equal("QUEUED", client.Call("INCR", "{tunnel:access}m").GetString());
        Assert.Equal(ExecAbort, Error(client.Call("EXEC")));
        Assert.True(client.Call("GET", "{tunnel:access}m").IsNull, "the discarded transaction ran");

        // The same in one pipeline, then a clean transaction on the same connection runs as usual.
        var pipeline = new List<byte>();
        foreach (string[] command in new[]
        {
            new[] { "MULTI" },
            new[] { "SET", "{tunnel:access}m", "2" },
            new[] { "APPEND", "{tunnel:access}m", "x" },
            new[] { "EXEC" },
            new[] { "MULTI" },
            new[] { "SET", "{tunnel:access}m", "3" },
            new[] { "EXEC" },
        })
        {
            pipeline.AddRange(RawRespClient.Encode(command));
        }

        client.Send(pipeline.ToArray());
        Assert.Equal("OK", client.Read().GetString());
        Assert.Equal("QUEUED", client.Read().GetString());
        Assert.StartsWith("NOPERM", Error(client.Read()));
        Assert.Equal(ExecAbort, Error(client.Read()));
        Assert.Equal("OK", client.Read().GetString());
        Assert.Equal("QUEUED", client.Read().GetString());
        RespValue ran = client.Read();
        Assert.Equal(RespType.Array, ran.Type);
        Assert.Equal("OK", Assert.Single(ran.Items).GetString());
        Assert.Equal("3", client.Call("GET", "{tunnel:access}m").GetString());

        // DISCARD after a refusal ends the transaction with OK, as in Redis.
        Assert.Equal("OK", client.Call("MULTI").GetString());
        Assert.StartsWith("NOPERM", Error(client.Call("APPEND", "{tunnel:access}m", "x")));
        Assert.Equal("OK", client.Call("DISCARD").GetString());
        Assert.Equal("3", client.Call("GET", "{tunnel:access}m").GetString());
    }

    private static string Error(RespValue reply)
    {
        Assert.True(reply.IsError, "expected an error, got " + reply.Type + " " + reply.GetString());
        return reply.GetString()!;
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using RedisCluster.Engine.Connections;

namespace RedisCluster.Tests.ClusterMetadata;

/// <summary>
/// A loopback TCP server that answers each command with a canned raw RESP reply, to reach paths a real
/// 7.0 server never takes (older servers without CLUSTER SHARDS, ACLs that refuse topology commands).
/// </summary>
internal sealed class ScriptedServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<string, string> _reply;
    private readonly CancellationTokenSource _stop = new();

    /// <param name="reply">Maps the command line ("CLUSTER SHARDS") to a raw RESP reply.</param>
    public ScriptedServer(Func<string, string> reply)
    {
        _reply = reply;
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    /// <summary>A 7.0.15 cluster node's reply to INFO server, which the connection's handshake asks.</summary>
    public const string ServerInfo = "$42\r\nredis_version:7.0.15\r\nredis_mode:cluster\r\n\r\n";

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public RedisEndpoint Endpoint => new("127.0.0.1", Port);

    /// <summary>Opens RESP2 connections as the module does (its handshake asks INFO server: script that).</summary>
    public static TransportConnector Connector => new(new ConnectionOptions
    {
        Protocol = RedisProtocol.Resp2,
        ClientName = null,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        CommandTimeout = TimeSpan.FromSeconds(30),
    });

    /// <summary>A connection to this server through <see cref="Connector"/>.</summary>
    public Task<RedisConnection> ConnectAsync() => RedisConnection.ConnectAsync(Endpoint, Connector);

    public List<string> Received { get; } = new();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }

    private async Task ServeAsync()
    {
        try
        {
            using TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
            using NetworkStream stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.UTF8);
            while (!_stop.IsCancellationRequested)
            {
                string? header = await reader.ReadLineAsync(_stop.Token);
                if (header == null || !header.StartsWith('*'))
                {
                    return;
                }

                var parts = new List<string>();
                for (int i = int.Parse(header[1..]); i > 0; i--)
                {
                    await reader.ReadLineAsync(_stop.Token); // $length: the test commands are plain text
                    parts.Add((await reader.ReadLineAsync(_stop.Token))!);
                }

                string line = string.Join(' ', parts);
                lock (Received)
                {
                    Received.Add(line);
                }

                byte[] reply = Encoding.UTF8.GetBytes(_reply(line));
                await stream.WriteAsync(reply, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // the test is over
        }
    }
}

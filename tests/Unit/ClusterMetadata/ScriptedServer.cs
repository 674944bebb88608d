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

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>A RESP2 connection to this server, as the module opens one (its handshake asks INFO server: script that).</summary>
    public Task<RedisConnection> ConnectAsync()
        => RedisConnection.ConnectAsync(new RedisEndpoint("127.0.0.1", Port), new TransportConnector(new ConnectionOptions
        {
            Protocol = RedisProtocol.Resp2,
            ClientName = null,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            CommandTimeout = TimeSpan.FromSeconds(30),
        }));

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

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using RedisCluster.Engine.Connections.EventLoop;
using RedisCluster.Engine.Tunnel.Hosting;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Hosting;

/// <summary>
/// The listener that accepts on an event loop and on demand: when TakeWaiting returns, every connection that had arrived
/// has been handed over, whoever took it out of the backlog; after Close nothing more is.
/// </summary>
public sealed class LoopAcceptorTests : IDisposable
{
    private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
    private readonly ConcurrentQueue<Socket> _admitted = new ConcurrentQueue<Socket>();
    private readonly List<Socket> _clients = new List<Socket>();
    private readonly LoopAcceptor _acceptor;

    public LoopAcceptorTests()
    {
        Assert.True(NativeAccept.IsSupported, "accept4 and a socket from a descriptor are available on the Linux machines the tests run on");
        _listener.Start(64);
        _acceptor = LoopAcceptor.TryStart(_listener.Server, _admitted.Enqueue, (errno, delay) => throw new InvalidOperationException("accept failed: errno " + errno))
            ?? throw new InvalidOperationException("no event loop for the acceptor");
    }

    public void Dispose()
    {
        _acceptor.Close();
        _listener.Stop();
        foreach (Socket socket in _clients.Concat(_admitted))
        {
            socket.Dispose();
        }
    }

    [Fact]
    public void EveryConnectionThatArrivedIsHandedOverWhenTakeWaitingReturns()
    {
        for (int i = 0; i < 5; i++)
        {
            Connect();
        }

        // The loop may take some of them itself meanwhile: TakeWaiting waits for that, whoever took them.
        _acceptor.TakeWaiting();
        Assert.Equal(5, _admitted.Count);
    }

    [Fact]
    public void TakeWaitingReturnsAtOnceWhenNothingHasArrived()
    {
        _acceptor.TakeWaiting();
        Assert.Empty(_admitted);
    }

    [Fact]
    public void AnAcceptedConnectionCarriesWhatItsClientSent()
    {
        Socket client = Connect();
        client.Send("PING\r\n"u8.ToArray());
        _acceptor.TakeWaiting();
        Assert.True(_admitted.TryDequeue(out Socket? accepted));
        _clients.Add(accepted!);
        var buffer = new byte[16];
        accepted!.ReceiveTimeout = 30_000;
        int read = 0;
        while (read < 6)
        {
            read += accepted.Receive(buffer, read, buffer.Length - read, SocketFlags.None);
        }

        Assert.Equal("PING\r\n", System.Text.Encoding.ASCII.GetString(buffer, 0, read));
        Assert.Equal(((IPEndPoint)client.LocalEndPoint!).Port, ((IPEndPoint)accepted.RemoteEndPoint!).Port);
    }

    [Fact]
    public void TheLoopAcceptsWithoutBeingAsked()
    {
        Connect();
        Assert.True(SpinWait.SpinUntil(() => !_admitted.IsEmpty, TimeSpan.FromMinutes(1)), "the loop never accepted the connection");
    }

    [Fact]
    public void NothingIsAcceptedAfterClose()
    {
        _acceptor.Close();
        Connect();
        _acceptor.TakeWaiting();
        Assert.Empty(_admitted);
    }

    private Socket Connect()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect((IPEndPoint)_listener.LocalEndpoint);
        _clients.Add(client);
        return client;
    }
}

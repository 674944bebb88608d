using System.Net;
using System.Net.Sockets;
using RedisCluster.Engine.Tunnel.Smart;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// Newcomers' first commands keep their place: an established client waits for every newcomer that has read,
/// a newcomer only for those accepted before it (never for a later one, so newcomers never wait for each other).
/// </summary>
public sealed class SmartArrivalsTests : IDisposable
{
    private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
    private readonly List<Socket> _sockets = new List<Socket>();

    public SmartArrivalsTests() => _listener.Start();

    public void Dispose()
    {
        foreach (Socket socket in _sockets)
        {
            socket.Dispose();
        }

        _listener.Stop();
    }

    [Fact]
    public async Task NewcomersThatReadAtOnceWaitOnlyForThoseAcceptedBeforeThem()
    {
        var arrivals = new SmartArrivals();
        SmartArrivals.Arrival first = arrivals.Register(Accept());
        SmartArrivals.Arrival second = arrivals.Register(Accept());
        SmartArrivals.Arrival third = arrivals.Register(Accept());
        foreach (SmartArrivals.Arrival arrival in new[] { first, second, third })
        {
            arrival.Read();
        }

        Assert.True(arrivals.WaitForEarlierAsync(first, CancellationToken.None).IsCompleted, "the first newcomer waits for nobody");
        Task second2 = arrivals.WaitForEarlierAsync(second, CancellationToken.None);
        Task third3 = arrivals.WaitForEarlierAsync(third, CancellationToken.None);
        Assert.False(second2.IsCompleted, "the second waits for the first");
        Assert.False(third3.IsCompleted, "the third waits for the two before it");

        first.Done();
        await second2.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(third3.IsCompleted, "the second has not run yet");
        second.Done();
        await third3.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task AnEstablishedClientWaitsForEveryNewcomerThatReadButNotForOneWithNothingToRead()
    {
        var arrivals = new SmartArrivals();
        SmartArrivals.Arrival established = arrivals.Register(Accept());
        established.Done();
        SmartArrivals.Arrival quiet = arrivals.Register(Accept());
        SmartArrivals.Arrival reading = arrivals.Register(Accept());
        reading.Read();
        Assert.False(quiet.HasRead);

        Task wait = arrivals.WaitForEarlierAsync(established, CancellationToken.None);
        Assert.False(wait.IsCompleted, "a newcomer has read commands that have not run");
        reading.Done();
        await wait.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(arrivals.WaitForEarlierAsync(established, CancellationToken.None).IsCompleted, "the quiet newcomer has nothing to put first");
    }

    [Fact]
    public async Task BeforeAWriteANewcomerStillInTheBacklogIsAcceptedAndItsFirstCommandsTakenFirst()
    {
        var arrivals = new SmartArrivals();
        SmartArrivals.Arrival established = arrivals.Register(Accept());
        established.Done();
        SmartArrivals.Arrival? newcomer = null;
        arrivals.Backlog = new FakeBacklog(() =>
        {
            newcomer = arrivals.Register(Accept());
            newcomer.Read();
        });

        Task wait = arrivals.WaitForBackloggedAsync(established, CancellationToken.None);
        Assert.NotNull(newcomer);
        Assert.False(wait.IsCompleted, "the newcomer taken from the backlog has read commands that have not run");
        newcomer!.Done();
        await wait.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void WithNothingInTheBacklogAWriteDoesNotWait()
    {
        var arrivals = new SmartArrivals();
        SmartArrivals.Arrival established = arrivals.Register(Accept());
        established.Done();
        arrivals.Backlog = new FakeBacklog(null);
        Assert.True(arrivals.WaitForBackloggedAsync(established, CancellationToken.None).IsCompleted);
    }

    private Socket Accept()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect((IPEndPoint)_listener.LocalEndpoint);
        Socket accepted = _listener.AcceptSocket();
        _sockets.Add(client);
        _sockets.Add(accepted);
        return accepted;
    }

    /// <summary>A listener's backlog that holds one connection (taken by <c>take</c>), or none.</summary>
    private sealed class FakeBacklog : RedisCluster.Engine.Tunnel.Hosting.IAcceptBacklog
    {
        private Action? _take;

        public FakeBacklog(Action? take) => _take = take;

        public void TakeWaiting() => Interlocked.Exchange(ref _take, null)?.Invoke();
    }
}

using System.Net;
using System.Net.Sockets;
using RedisCluster.Engine.Connections.EventLoop;
using Xunit;

namespace RedisCluster.Tests.Connections.EventLoop;

/// <summary>
/// A barrier across event loops (what a smart session asks before a write): it passes only once the other loops have
/// handled what was ready on them when it was asked, and what that started on their threads; a loop asleep is woken
/// for it; asked on a loop for that loop's sessions, one barrier serves the turn and its continuations run on that loop.
/// Real loops of the test's own, over real loopback sockets.
/// </summary>
public sealed class LoopBarrierTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    // Loops run for the life of the process: two for the whole class, not two per test.
    private static readonly Lazy<(SocketEventLoop A, SocketEventLoop B)> Loops =
        new(() => (SocketEventLoop.Start("barrier test loop A"), SocketEventLoop.Start("barrier test loop B")));

    private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
    private readonly List<IDisposable> _owned = new List<IDisposable>();

    public LoopBarrierTests()
    {
        Assert.True(Epoll.IsSupported, "epoll is available on the Linux machines the tests run on");
        _listener.Start();
    }

    private static SocketEventLoop A => Loops.Value.A;

    private static SocketEventLoop B => Loops.Value.B;

    private static SocketEventLoop[] Both => new[] { A, B };

    public void Dispose()
    {
        foreach (IDisposable owned in _owned)
        {
            owned.Dispose();
        }

        _listener.Stop();
    }

    [Fact]
    public async Task ABarrierPassesOnlyAfterTheOtherLoopHandledWhatWasReadyOnItWhenItWasAsked()
    {
        var (late, latePeer) = await PairOnAsync(A);

        // Loop A is held inside one socket's continuation, as under load it is inside a turn.
        using ManualResetEventSlim letGo = await HoldLoopAAsync();

        // Bytes ready on A before the barrier is asked, which A has not heard of yet.
        bool heard = false;
        Task lateRead = late.ReadAsync(new byte[1], 0, 1).ContinueWith(_ => heard = true, TaskContinuationOptions.ExecuteSynchronously);
        latePeer.Write(new byte[] { 2 });
        Task barrier = SocketEventLoop.BarrierAsync(Both, except: B);

        Assert.False(barrier.IsCompleted, "the barrier passed while loop A was still in its turn");
        letGo.Set();
        await barrier.WaitAsync(Deadline);
        Assert.True(heard, "the barrier passed before loop A handled the bytes that were ready when it was asked");
        await lateRead;
    }

    [Fact]
    public async Task ABarrierAskedWhileMoreEventsAreReadyThanOneTurnTakesPassesOnlyAfterTheLastOfThem()
    {
        // More ready sockets than a turn takes (256): the first turn after the barrier is full, and the bytes written last
        // come in the next one. Passing on the count of events heard must not pass before those either.
        var others = new List<(LoopSocketStream Loop, NetworkStream Peer)>();
        for (int n = 0; n < 300; n++)
        {
            others.Add(await PairOnAsync(A));
        }

        var (late, latePeer) = await PairOnAsync(A);
        using ManualResetEventSlim letGo = await HoldLoopAAsync();

        int heardOthers = 0;
        var reads = others.Select(o => o.Loop.ReadAsync(new byte[1], 0, 1).ContinueWith(_ => Interlocked.Increment(ref heardOthers), TaskContinuationOptions.ExecuteSynchronously)).ToList();
        bool heardLate = false;
        Task lateRead = late.ReadAsync(new byte[1], 0, 1).ContinueWith(_ => heardLate = true, TaskContinuationOptions.ExecuteSynchronously);
        foreach (var other in others)
        {
            other.Peer.Write(new byte[] { 3 });
        }

        latePeer.Write(new byte[] { 2 });
        Task barrier = SocketEventLoop.BarrierAsync(Both, except: B);
        letGo.Set();
        await barrier.WaitAsync(Deadline);
        Assert.True(heardLate, "the barrier passed before loop A handled the last bytes that were ready when it was asked");
        Assert.Equal(others.Count, Volatile.Read(ref heardOthers));
        await Task.WhenAll(reads);
        await lateRead;
    }

    [Fact]
    public async Task ALoopAsleepIsWokenToPassABarrier()
    {
        // Nothing happens on either loop: the barrier still passes, each loop woken by its wake-up descriptor.
        await SocketEventLoop.BarrierAsync(Both, except: null).WaitAsync(Deadline);
        await SocketEventLoop.BarrierAsync(Both, except: A).WaitAsync(Deadline);
    }

    [Fact]
    public void ABarrierWithNoOtherLoopPassesAtOnce()
    {
        Assert.True(SocketEventLoop.BarrierAsync(new[] { A }, except: A).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task AskedOnALoopForItsOwnSessionsOneBarrierServesTheTurnAndContinuesOnThatLoop()
    {
        var (stream, peer) = await PairOnAsync(A);
        Task? first = null, second = null;
        Thread? continuedOn = null;
        Task asked = stream.ReadAsync(new byte[1], 0, 1).ContinueWith(_ =>
        {
            first = SocketEventLoop.BarrierAsync(Both, except: A);
            second = SocketEventLoop.BarrierAsync(Both, except: A);
            return first.ContinueWith(_ => continuedOn = Thread.CurrentThread, TaskContinuationOptions.ExecuteSynchronously);
        }, TaskContinuationOptions.ExecuteSynchronously).Unwrap();
        peer.Write(new byte[] { 1 });

        await asked.WaitAsync(Deadline);
        Assert.Same(first, second);
        Assert.Same(A.Thread, continuedOn);
    }

    /// <summary>Holds loop A inside a socket's continuation until the returned event is set (or the deadline passes).</summary>
    private async Task<ManualResetEventSlim> HoldLoopAAsync()
    {
        var (busy, busyPeer) = await PairOnAsync(A);
        using var inside = new ManualResetEventSlim();
        var letGo = new ManualResetEventSlim();
        _ = busy.ReadAsync(new byte[1], 0, 1).ContinueWith(_ => { inside.Set(); letGo.Wait(Deadline); }, TaskContinuationOptions.ExecuteSynchronously);
        busyPeer.Write(new byte[] { 1 });
        Assert.True(inside.Wait(Deadline), "loop A never ran the read's continuation");
        return letGo;
    }

    /// <summary>A connected pair: the stream on <paramref name="loop"/> and its plain peer.</summary>
    private async Task<(LoopSocketStream Loop, NetworkStream Peer)> PairOnAsync(SocketEventLoop loop)
    {
        Task<Socket> accepted = _listener.AcceptSocketAsync();
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)_listener.LocalEndpoint).Port);
        var stream = LoopSocketStream.Attach(loop, await accepted);
        NetworkStream peer = client.GetStream();
        _owned.Add(stream);
        _owned.Add(client);
        return (stream, peer);
    }
}

using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace RedisCluster.Engine.Connections.EventLoop
{
    /// <summary>
    /// A connected socket as a stream whose waiting operations a <see cref="SocketEventLoop"/> completes. An operation
    /// first tries its syscall on the caller's thread unless the socket is known to be drained (reads) or full
    /// (writes); otherwise it waits, and the loop's thread does the syscall when the next edge comes and runs the
    /// caller's continuation inline. Any thread may call it; one read and one write may wait at a time, as for any
    /// stream. Completing a task inline means the awaiting code runs on the loop: code that awaits these streams
    /// must not block.
    /// </summary>
    internal sealed class LoopSocketStream : Stream, ILoopEventTarget
    {
        private static readonly Task<int> Zero = Task.FromResult(0);

        private readonly SocketEventLoop _loop;
        private readonly Socket _socket;
        private readonly int _fd;
        private readonly object _gate = new object();
        private long _token; // 0 until the socket is in the loop's set

        // Not ready for reading until the first edge, which adding the socket to the epoll set raises at once if
        // data is there: so a first zero-byte read returns only when there is something to read.
        private readonly LoopSocketSide _reads = new LoopSocketSide(ready: false);
        private readonly LoopSocketSide _writes = new LoopSocketSide(ready: true);
        private bool _disposed;

        private Task<int>? _lastRead;

        private LoopSocketStream(SocketEventLoop loop, Socket socket)
        {
            _loop = loop;
            _socket = socket;
            _socket.Blocking = false;
            _fd = socket.Handle.ToInt32();
        }

        /// <summary>The loop whose thread hears the socket.</summary>
        public SocketEventLoop Loop => _loop;

        /// <summary>An accepted (connected) socket, in the loop from now on; the stream owns it.</summary>
        public static LoopSocketStream Attach(SocketEventLoop loop, Socket socket)
        {
            var stream = new LoopSocketStream(loop, socket);
            stream.Register();
            return stream;
        }

        /// <summary>Connects <paramref name="socket"/> to <paramref name="endpoint"/> without blocking, through the loop.</summary>
        public static async Task<LoopSocketStream> ConnectAsync(SocketEventLoop loop, Socket socket, EndPoint endpoint, CancellationToken cancellationToken)
        {
            var stream = new LoopSocketStream(loop, socket);
            try
            {
                try
                {
                    socket.Connect(endpoint);
                    stream.Register();
                    return stream;
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.WouldBlock || ex.SocketErrorCode == SocketError.InProgress)
                {
                }

                // Registered only now: a socket not yet connecting reports itself writable (and hung up) at once.
                stream._writes.Ready = false;
                stream.Register();
                await stream.WriteAsync(Array.Empty<byte>(), 0, 0, cancellationToken).ConfigureAwait(false);
                var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                if (error != SocketError.Success)
                {
                    throw new SocketException((int)error);
                }

                return stream;
            }
            catch
            {
                stream.Dispose();
                throw;
            }
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException("A socket has no length.");

        public override long Position
        {
            get => throw new NotSupportedException("A socket has no position.");
            set => throw new NotSupportedException("A socket has no position.");
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return Task.FromCanceled<int>(cancellationToken);
            }

            return Transfer(_reads, buffer, offset, count, null, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return Task.FromCanceled(cancellationToken);
            }

            return Transfer(_writes, buffer, offset, count, null, cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => Blocking(Transfer(_reads, buffer, offset, count, null));

        public override void Write(byte[] buffer, int offset, int count) => Blocking(Transfer(_writes, buffer, offset, count, null));

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A socket cannot seek.");

        public override void SetLength(long value) => throw new NotSupportedException("A socket has no length.");

        /// <summary>The loop heard <paramref name="events"/> for this socket.</summary>
        public void OnEvents(uint events)
        {
            LoopSocketSide.Parked read = default, write = default;
            lock (_gate)
            {
                bool final = (events & (Epoll.Error | Epoll.HangUp | Epoll.ReadHangUp)) != 0;
                if ((events & Epoll.In) != 0 || final)
                {
                    read = _reads.Heard(final);
                }

                if ((events & (Epoll.Out | Epoll.Error | Epoll.HangUp)) != 0)
                {
                    write = _writes.Heard((events & (Epoll.Error | Epoll.HangUp)) != 0);
                }
            }

            // The continuations run here, on the loop's thread: that is the point.
            if (write.Operation != null)
            {
                Transfer(_writes, write.Buffer, write.Offset, write.Count, write.Operation);
            }

            if (read.Operation != null)
            {
                Transfer(_reads, read.Buffer, read.Offset, read.Count, read.Operation);
            }
        }

        protected override void Dispose(bool disposing)
        {
            LoopOperation? read, write;
            long token;
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                token = _token;
                read = _reads.Take().Operation;
                write = _writes.Take().Operation;
            }

            if (token != 0)
            {
                _loop.Unregister(_fd, token);
            }

            _socket.Dispose();
            read?.Fault(new ObjectDisposedException(nameof(LoopSocketStream)));
            write?.Fault(new ObjectDisposedException(nameof(LoopSocketStream)));
            base.Dispose(disposing);
        }

        private void Register()
        {
            int error = _loop.Register(this, _fd, out long token);
            if (error != 0)
            {
                throw new IOException("The socket could not be added to the event loop (errno " + error + ").");
            }

            lock (_gate)
            {
                _token = token;
            }
        }

        /// <summary>
        /// Reads (once, whatever arrived) or writes (all of the bytes) now if the socket may take the syscall, else
        /// waits in <paramref name="waiting"/> (new, or the one the loop is finishing) for the next edge.
        /// </summary>
        private Task<int> Transfer(LoopSocketSide side, byte[] buffer, int offset, int count, LoopOperation? waiting, CancellationToken cancellationToken = default)
        {
            bool reading = side == _reads;
            while (true)
            {
                int edges;
                LoopOperation? parked = null;
                lock (_gate)
                {
                    if (_disposed)
                    {
                        return Fail(waiting, new ObjectDisposedException(nameof(LoopSocketStream)));
                    }

                    if (!side.Ready)
                    {
                        parked = waiting ?? new LoopOperation(this, side);
                        side.Park(parked, buffer, offset, count);
                    }

                    edges = side.Edges;
                }

                if (parked != null)
                {
                    // A new wait takes the caller's cancellation (once: the loop parks it again with none).
                    if (waiting == null && cancellationToken.CanBeCanceled)
                    {
                        parked.CancelWith(cancellationToken);
                    }

                    return parked.Task;
                }

                if (count == 0)
                {
                    // A zero-byte read only waits for data, and there may be some; a write is done.
                    return Finish(waiting, 0);
                }

                int done;
                SocketError error;
                try
                {
                    done = reading
                        ? _socket.Receive(buffer, offset, count, SocketFlags.None, out error)
                        : _socket.Send(buffer, offset, count, SocketFlags.None, out error);
                }
                catch (ObjectDisposedException ex)
                {
                    // Closed between the check above and the syscall: whoever waits must still hear of it.
                    return Fail(waiting, ex);
                }

                if (error == SocketError.Success && reading)
                {
                    if (done > 0 && done < count)
                    {
                        // A short read took all there was: the next one waits for an edge instead of trying.
                        NotReady(side, edges);
                    }

                    return Finish(waiting, done);
                }

                if (error == SocketError.Success)
                {
                    offset += done;
                    count -= done;
                    continue;
                }

                if (error != SocketError.WouldBlock)
                {
                    return Fail(waiting, new IOException("Unable to " + (reading ? "read from" : "write to") + " the socket: " + error + ".", new SocketException((int)error)));
                }

                NotReady(side, edges);
            }
        }

        // Only if no edge came since the syscall began: an edge in between means there may be more.
        private void NotReady(LoopSocketSide side, int edges)
        {
            lock (_gate)
            {
                side.Drained(edges);
            }
        }

        private Task<int> Finish(LoopOperation? waiting, int result)
        {
            if (waiting != null)
            {
                waiting.Succeed(result);
                return waiting.Task;
            }

            if (result == 0)
            {
                return Zero;
            }

            Task<int>? last = _lastRead;
            if (last != null && last.Result == result)
            {
                return last;
            }

            return _lastRead = Task.FromResult(result);
        }

        private static Task<int> Fail(LoopOperation? waiting, Exception error)
        {
            if (waiting == null)
            {
                return Task.FromException<int>(error);
            }

            waiting.Fault(error);
            return waiting.Task;
        }

        /// <summary>The caller of <paramref name="operation"/> cancelled it: it ends now unless the loop took it first.</summary>
        internal void Cancel(LoopOperation operation)
        {
            lock (_gate)
            {
                if (operation.Side.Waiting.Operation != operation)
                {
                    return;
                }

                operation.Side.Take();
            }

            operation.Cancel();
        }

        private T Blocking<T>(Task<T> operation)
        {
            if (Thread.CurrentThread == _loop.Thread && !operation.IsCompleted)
            {
                throw new InvalidOperationException("A blocking call on the socket event loop's thread would stop the loop.");
            }

            return operation.GetAwaiter().GetResult();
        }
    }
}

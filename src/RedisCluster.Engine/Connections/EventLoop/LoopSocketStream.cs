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
    internal sealed class LoopSocketStream : Stream
    {
        private static readonly Task<int> Zero = Task.FromResult(0);

        private readonly SocketEventLoop _loop;
        private readonly Socket _socket;
        private readonly int _fd;
        private readonly object _gate = new object();
        private long _token;
        private bool _registered;

        // Edges heard and whether a syscall may find something: a drained socket waits for the next edge instead
        // of trying the syscall first. Guarded by _gate.
        private int _readEdges;

        // Not ready until the first edge, which adding the socket to the epoll set raises at once if data is
        // there: so a first zero-byte read returns only when there is something to read.
        private bool _readReady;
        private int _writeEdges;
        private bool _writeReady = true;
        private bool _disposed;

        private TaskCompletionSource<int>? _read;
        private byte[]? _readBuffer;
        private int _readOffset;
        private int _readCount;

        private TaskCompletionSource<int>? _write;
        private byte[]? _writeBuffer;
        private int _writeOffset;
        private int _writeCount;

        private Task<int>? _lastRead;

        private LoopSocketStream(SocketEventLoop loop, Socket socket)
        {
            _loop = loop;
            _socket = socket;
            _socket.Blocking = false;
            _fd = socket.Handle.ToInt32();
        }

        public Socket Socket => _socket;

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
                stream._writeReady = false;
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

            Task<int> read = Read(buffer, offset, count, null);
            if (!read.IsCompleted && cancellationToken.CanBeCanceled)
            {
                Cancellable(read, cancellationToken, reading: true);
            }

            return read;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return Task.FromCanceled(cancellationToken);
            }

            Task<int> write = Write(buffer, offset, count, null);
            if (!write.IsCompleted && cancellationToken.CanBeCanceled)
            {
                Cancellable(write, cancellationToken, reading: false);
            }

            return write;
        }

        public override int Read(byte[] buffer, int offset, int count) => Blocking(Read(buffer, offset, count, null));

        public override void Write(byte[] buffer, int offset, int count) => Blocking(Write(buffer, offset, count, null));

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A socket cannot seek.");

        public override void SetLength(long value) => throw new NotSupportedException("A socket has no length.");

        /// <summary>The loop heard <paramref name="events"/> for this socket.</summary>
        internal void OnEvents(uint events)
        {
            bool input = (events & (Epoll.In | Epoll.Error | Epoll.HangUp | Epoll.ReadHangUp)) != 0;
            bool output = (events & (Epoll.Out | Epoll.Error | Epoll.HangUp)) != 0;
            TaskCompletionSource<int>? read = null;
            TaskCompletionSource<int>? write = null;
            byte[]? readBuffer = null, writeBuffer = null;
            int readOffset = 0, readCount = 0, writeOffset = 0, writeCount = 0;
            lock (_gate)
            {
                if (input)
                {
                    _readEdges++;
                    _readReady = true;
                    (read, readBuffer, readOffset, readCount) = (_read, _readBuffer, _readOffset, _readCount);
                    (_read, _readBuffer) = (null, null);
                }

                if (output)
                {
                    _writeEdges++;
                    _writeReady = true;
                    (write, writeBuffer, writeOffset, writeCount) = (_write, _writeBuffer, _writeOffset, _writeCount);
                    (_write, _writeBuffer) = (null, null);
                }
            }

            // The continuations run here, on the loop's thread: that is the point.
            if (write != null)
            {
                Write(writeBuffer!, writeOffset, writeCount, write);
            }

            if (read != null)
            {
                Read(readBuffer!, readOffset, readCount, read);
            }
        }

        protected override void Dispose(bool disposing)
        {
            TaskCompletionSource<int>? read, write;
            bool registered;
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                registered = _registered;
                (read, write) = (_read, _write);
                (_read, _readBuffer, _write, _writeBuffer) = (null, null, null, null);
            }

            if (registered)
            {
                _loop.Unregister(_fd, _token);
            }

            _socket.Dispose();
            read?.TrySetException(new ObjectDisposedException(nameof(LoopSocketStream)));
            write?.TrySetException(new ObjectDisposedException(nameof(LoopSocketStream)));
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
                _registered = true;
            }
        }

        /// <summary>Reads now if the socket may have data, else waits in <paramref name="waiting"/> (new or the one the loop is finishing).</summary>
        private Task<int> Read(byte[] buffer, int offset, int count, TaskCompletionSource<int>? waiting)
        {
            while (true)
            {
                int edges;
                lock (_gate)
                {
                    if (_disposed)
                    {
                        return Fail(waiting, new ObjectDisposedException(nameof(LoopSocketStream)));
                    }

                    if (!_readReady)
                    {
                        waiting ??= new TaskCompletionSource<int>();
                        (_read, _readBuffer, _readOffset, _readCount) = (waiting, buffer, offset, count);
                        return waiting.Task;
                    }

                    edges = _readEdges;
                }

                if (count == 0)
                {
                    // A zero-byte read only waits for data; there may be some.
                    return Finish(waiting, 0);
                }

                int received = _socket.Receive(buffer, offset, count, SocketFlags.None, out SocketError error);
                if (error == SocketError.Success)
                {
                    if (received > 0 && received < count)
                    {
                        // A short read took all there was: the next one waits for an edge instead of trying.
                        NotReady(edges, reading: true);
                    }

                    return Finish(waiting, received);
                }

                if (error != SocketError.WouldBlock)
                {
                    return Fail(waiting, new IOException("Unable to read from the socket: " + error + ".", new SocketException((int)error)));
                }

                NotReady(edges, reading: true);
            }
        }

        /// <summary>Sends all of the bytes, waiting in <paramref name="waiting"/> whenever the socket is full.</summary>
        private Task<int> Write(byte[] buffer, int offset, int count, TaskCompletionSource<int>? waiting)
        {
            while (true)
            {
                int edges;
                lock (_gate)
                {
                    if (_disposed)
                    {
                        return Fail(waiting, new ObjectDisposedException(nameof(LoopSocketStream)));
                    }

                    if (!_writeReady)
                    {
                        waiting ??= new TaskCompletionSource<int>();
                        (_write, _writeBuffer, _writeOffset, _writeCount) = (waiting, buffer, offset, count);
                        return waiting.Task;
                    }

                    edges = _writeEdges;
                }

                if (count == 0)
                {
                    return Finish(waiting, 0);
                }

                int sent = _socket.Send(buffer, offset, count, SocketFlags.None, out SocketError error);
                if (error == SocketError.Success)
                {
                    offset += sent;
                    count -= sent;
                    if (count == 0)
                    {
                        return Finish(waiting, 0);
                    }

                    continue;
                }

                if (error != SocketError.WouldBlock)
                {
                    return Fail(waiting, new IOException("Unable to write to the socket: " + error + ".", new SocketException((int)error)));
                }

                NotReady(edges, reading: false);
            }
        }

        // Only if no edge came since the syscall began: an edge in between means there may be more.
        private void NotReady(int edges, bool reading)
        {
            lock (_gate)
            {
                if (reading && _readEdges == edges)
                {
                    _readReady = false;
                }
                else if (!reading && _writeEdges == edges)
                {
                    _writeReady = false;
                }
            }
        }

        private Task<int> Finish(TaskCompletionSource<int>? waiting, int result)
        {
            if (waiting != null)
            {
                waiting.TrySetResult(result);
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

        private static Task<int> Fail(TaskCompletionSource<int>? waiting, Exception error)
        {
            if (waiting == null)
            {
                return Task.FromException<int>(error);
            }

            waiting.TrySetException(error);
            return waiting.Task;
        }

        private void Cancellable(Task<int> operation, CancellationToken cancellationToken, bool reading)
        {
            CancellationTokenRegistration registration = cancellationToken.Register(() =>
            {
                TaskCompletionSource<int>? waiting;
                lock (_gate)
                {
                    waiting = reading ? _read : _write;
                    if (waiting == null || waiting.Task != operation)
                    {
                        return;
                    }

                    if (reading)
                    {
                        (_read, _readBuffer) = (null, null);
                    }
                    else
                    {
                        (_write, _writeBuffer) = (null, null);
                    }
                }

                waiting.TrySetCanceled(cancellationToken);
            });
            operation.ContinueWith((_, state) => ((CancellationTokenRegistration)state!).Dispose(), registration,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
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

using System.Buffers;
using System.Net.Sockets;
using System.Text;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Tests.Tunnel;

/// <summary>
/// A plaintext RESP client on a raw socket, the way an application talks to the tunnel: no credentials,
/// no handshake, exact bytes on the wire.
/// </summary>
internal sealed class RawRespClient : IDisposable
{
    private readonly Socket _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _filled;

    private RawRespClient(Socket socket)
    {
        _socket = socket;
    }

    public static RawRespClient Connect(int port, string host = "127.0.0.1")
    {
        // The receive timeout only turns a reply that never comes into a failure: no test waits for it to pass.
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 60000 };
        socket.Connect(host, port);
        return new RawRespClient(socket);
    }

    public static byte[] Encode(params string[] args)
    {
        var sb = new StringBuilder("*" + args.Length + "\r\n");
        foreach (string a in args)
        {
            sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>How long a read waits (WaitClosed changes it).</summary>
    public TimeSpan ReceiveTimeout
    {
        set => _socket.ReceiveTimeout = (int)value.TotalMilliseconds;
    }

    /// <summary>ip:port of this end of the connection, as a server's CLIENT LIST shows it (addr).</summary>
    public string LocalAddress => ((System.Net.IPEndPoint)_socket.LocalEndPoint!).ToString();

    public void Send(byte[] bytes) => _socket.Send(bytes);

    public void Send(params string[] args) => Send(Encode(args));

    public RespValue Call(params string[] args)
    {
        Send(args);
        return Read();
    }

    /// <summary>Reads one reply; throws IOException when the connection ends first.</summary>
    public RespValue Read(RespLimits? limits = null)
    {
        RespValue value = NextFrame(limits ?? RespLimits.Default, out int used);
        Consume(used);
        return value;
    }

    /// <summary>Sends a command and returns its reply exactly as it came over the wire (ASCII), for byte-level checks.</summary>
    public string CallRaw(params string[] args)
    {
        Send(args);
        return ReadRaw();
    }

    /// <summary>Reads one reply and returns its bytes as ASCII text, CRLFs included.</summary>
    public string ReadRaw()
    {
        NextFrame(RespLimits.Default, out int used);
        string raw = Encoding.ASCII.GetString(_buffer, 0, used);
        Consume(used);
        return raw;
    }

    /// <summary>
    /// Receives until what came ends with <paramref name="end"/> and returns all of it as ASCII, unparsed:
    /// for replies nested deeper than a reader would follow.
    /// </summary>
    public string ReadRawUntil(string end)
    {
        while (!Encoding.ASCII.GetString(_buffer, 0, _filled).EndsWith(end, StringComparison.Ordinal))
        {
            MakeRoom();
            Received(_socket.Receive(_buffer, _filled, _buffer.Length - _filled, SocketFlags.None));
        }

        string raw = Encoding.ASCII.GetString(_buffer, 0, _filled);
        Consume(_filled);
        return raw;
    }

    /// <summary>How long a read waits before it fails (10 s unless set).</summary>
    public void SetReceiveTimeout(TimeSpan timeout) => _socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;

    /// <summary>Receives until a whole reply starts the buffer; returns it and its length without consuming it.</summary>
    private RespValue NextFrame(RespLimits limits, out int used)
    {
        RespValue value;
        while (!TryParse(limits, out value, out used))
        {
            MakeRoom();
            Received(_socket.Receive(_buffer, _filled, _buffer.Length - _filled, SocketFlags.None));
        }

        return value;
    }

    private bool TryParse(RespLimits limits, out RespValue value, out int used)
    {
        var sequence = new ReadOnlySequence<byte>(_buffer, 0, _filled);
        bool whole = RespReader.TryRead(sequence, limits, out value, out SequencePosition end);
        used = whole ? (int)sequence.Slice(0, end).Length : 0;
        return whole;
    }

    private void MakeRoom()
    {
        if (_filled == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
    }

    private void Received(int read)
    {
        if (read == 0)
        {
            throw new IOException("The tunnel closed the connection.");
        }

        _filled += read;
    }

    private void Consume(int used)
    {
        Buffer.BlockCopy(_buffer, used, _buffer, 0, _filled - used);
        _filled -= used;
    }

    /// <summary>Like <see cref="Read"/> without blocking a thread (many clients at once on a small pool).</summary>
    public async Task<RespValue> ReadAsync(CancellationToken cancellationToken = default)
    {
        RespValue value;
        int used;
        while (!TryParse(RespLimits.Default, out value, out used))
        {
            MakeRoom();
            Received(await _socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None, cancellationToken));
        }

        Consume(used);
        return value;
    }

    public async Task SendAsync(byte[] bytes, CancellationToken cancellationToken = default)
    {
        int sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken);
        }
    }

    public static async Task<RawRespClient> ConnectAsync(int port, string host = "127.0.0.1")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(host, port);
        return new RawRespClient(socket);
    }

    /// <summary>True when the peer closes the connection within the timeout (pending replies are skipped).</summary>
    public bool WaitClosed(TimeSpan timeout)
    {
        _socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        var scratch = new byte[4096];
        try
        {
            while (true)
            {
                if (_socket.Receive(scratch) == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TimedOut || ex.SocketErrorCode == SocketError.WouldBlock)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public void Dispose() => _socket.Dispose();
}

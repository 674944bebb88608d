using System;
using System.IO;
using System.IO.Pipelines;
using System.Runtime.InteropServices;

namespace RedisCluster.Engine.Connections
{
    /// <summary>
    /// Creates the pipe readers over sockets and TLS streams. On .NET (PowerShell 7) a reader first waits
    /// with a zero-byte read and only then rents its buffer, so an idle connection holds no buffer at all:
    /// a tunnel with a thousand idle clients would otherwise keep a thousand read buffers rented (about
    /// 64 KB each). .NET Framework streams (Windows PowerShell) do not all honour zero-byte reads, so
    /// there the buffer is rented up front as before.
    /// </summary>
    internal static class StreamPipes
    {
        internal static readonly bool ZeroByteReads =
            !RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

        public static PipeReader Reader(Stream stream, int bufferSize, int minimumReadSize, bool leaveOpen)
            => PipeReader.Create(stream, new StreamPipeReaderOptions(
                pool: LargeUnpooledMemoryPool.Instance,
                bufferSize: bufferSize,
                minimumReadSize: Math.Min(minimumReadSize, bufferSize),
                leaveOpen: leaveOpen,
                useZeroByteReads: ZeroByteReads));

        /// <summary>A writer whose large segments (room for one large argument or reply) are not pooled after use.</summary>
        public static PipeWriter Writer(Stream stream, int minimumBufferSize, bool leaveOpen)
            => PipeWriter.Create(stream, new StreamPipeWriterOptions(LargeUnpooledMemoryPool.Instance, minimumBufferSize, leaveOpen));
    }
}

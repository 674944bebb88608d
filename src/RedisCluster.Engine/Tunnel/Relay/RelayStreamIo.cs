using System;
using System.IO;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>
    /// Reads and writes a stream with the runtime's Memory-based overloads when it has them (.NET, PowerShell 7).
    /// The engine targets netstandard2.0, whose Stream only has the array overloads: on .NET those wrap every
    /// operation that does not finish at once in a new Task, and a relay does two such operations per batch
    /// and direction. The Memory overloads return pooled ValueTasks from sockets and TLS streams.
    /// </summary>
    internal static class RelayStreamIo
    {
        private static readonly Func<Stream, Memory<byte>, CancellationToken, ValueTask<int>>? MemoryRead =
            Bind<Func<Stream, Memory<byte>, CancellationToken, ValueTask<int>>>("ReadAsync", typeof(Memory<byte>));

        private static readonly Func<Stream, ReadOnlyMemory<byte>, CancellationToken, ValueTask>? MemoryWrite =
            Bind<Func<Stream, ReadOnlyMemory<byte>, CancellationToken, ValueTask>>("WriteAsync", typeof(ReadOnlyMemory<byte>));

        public static ValueTask<int> ReadAsync(Stream stream, byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => MemoryRead != null
                ? MemoryRead(stream, new Memory<byte>(buffer, offset, count), cancellationToken)
                : new ValueTask<int>(stream.ReadAsync(buffer, offset, count, cancellationToken));

        public static ValueTask WriteAsync(Stream stream, byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => MemoryWrite != null
                ? MemoryWrite(stream, new ReadOnlyMemory<byte>(buffer, offset, count), cancellationToken)
                : new ValueTask(stream.WriteAsync(buffer, offset, count, cancellationToken));

        // An open-instance delegate over the virtual method dispatches to each stream's own override.
        private static T? Bind<T>(string name, Type memoryType)
            where T : Delegate
        {
            MethodInfo? method = typeof(Stream).GetMethod(name, BindingFlags.Public | BindingFlags.Instance, null, new[] { memoryType, typeof(CancellationToken) }, null);
            if (method == null || method.ReturnType != typeof(T).GetMethod("Invoke")!.ReturnType)
            {
                return null;
            }

            try
            {
                return (T)Delegate.CreateDelegate(typeof(T), null, method);
            }
            catch (ArgumentException)
            {
                return null;
            }
        }
    }
}

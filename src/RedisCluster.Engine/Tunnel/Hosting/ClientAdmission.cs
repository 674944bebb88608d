using System;
using System.Text;
using System.Threading;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// Counts the clients of a tunnel against its maximum (Redis's <c>maxclients</c>). The default keeps the
    /// tunnel well inside the process's descriptor limit: the runtime needs descriptors of its own (starting a
    /// thread takes one), and when it finds none it ends the process with "Out of memory.".
    /// </summary>
    internal sealed class ClientAdmission
    {
        /// <summary>Redis's own default maxclients.</summary>
        public const int RedisDefault = 10000;

        /// <summary>Descriptors left to the runtime, the listeners, the upstream control and shared connections, and log files.</summary>
        internal const int Reserve = 64;

        /// <summary>A client of a relaying mode holds two descriptors: its own socket and its upstream connection (smart-mode clients may open one too).</summary>
        internal const int DescriptorsPerClient = 2;

        /// <summary>Redis's reply to a client over the limit, sent before it is closed.</summary>
        public static readonly byte[] RefusalLine = Encoding.ASCII.GetBytes("-ERR max number of clients reached\r\n");

        private int _count;

        public ClientAdmission(int maximum)
        {
            if (maximum < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(maximum), maximum, "The tunnel must allow at least one client.");
            }

            Maximum = maximum;
        }

        public int Maximum { get; }

        public int Count => Volatile.Read(ref _count);

        /// <summary>
        /// min(10000, (80% of the descriptor limit - a reserve) / 2), at least 1; 10000 where the limit is unknown.
        /// At <c>ulimit -n 1024</c> that is 377 clients, at 4096 1606, at 65536 10000.
        /// </summary>
        public static int DefaultMaximum(long? descriptorLimit)
        {
            if (descriptorLimit == null)
            {
                return RedisDefault;
            }

            long budget = (descriptorLimit.Value * 8 / 10) - Reserve;
            return (int)Math.Max(1, Math.Min(RedisDefault, budget / DescriptorsPerClient));
        }

        /// <summary>Takes a place for one more client; false (and nothing taken) when the tunnel is full.</summary>
        public bool TryAdmit()
        {
            if (Interlocked.Increment(ref _count) <= Maximum)
            {
                return true;
            }

            Interlocked.Decrement(ref _count);
            return false;
        }

        public void Release() => Interlocked.Decrement(ref _count);
    }
}

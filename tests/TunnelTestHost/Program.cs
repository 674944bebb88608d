using System;
using System.Globalization;
using System.Threading.Tasks;
using RedisCluster.Engine;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Tunnel;

namespace RedisCluster.Tests.TunnelTestHost
{
    /// <summary>
    /// Runs one plaintext tunnel until its standard input closes:
    /// <c>TunnelTestHost &lt;upstream host:port&gt; &lt;Standalone|Pinned|Smart&gt; [max clients|default] [pinned port offset]</c>.
    /// Prints "READY &lt;port&gt;" once clients can connect; warnings go to standard error.
    /// </summary>
    public static class Program
    {
        public static async Task<int> Main(string[] args)
        {
            if (args.Length < 2)
            {
                Console.Error.WriteLine("usage: TunnelTestHost <upstream host:port> <Standalone|Pinned|Smart> [max clients]");
                return 2;
            }

            var options = new TunnelOptions(RedisEndpoint.Parse(args[0]), new ConnectionOptions())
            {
                Mode = (TunnelMode)Enum.Parse(typeof(TunnelMode), args[1], ignoreCase: true),
                ListenPort = 0,
                Log = new ConsoleLog(),
            };
            if (args.Length > 2 && args[2] != "default")
            {
                options.MaxClients = int.Parse(args[2], CultureInfo.InvariantCulture);
            }

            if (args.Length > 3)
            {
                // Pinned listeners sit at each node's port plus the offset; on one machine it must not be 0.
                options.PortOffset = int.Parse(args[3], CultureInfo.InvariantCulture);
            }

            RedisTunnel tunnel = await RedisTunnel.StartAsync(options).ConfigureAwait(false);
            Console.WriteLine("READY " + tunnel.Listeners[0].LocalPort.ToString(CultureInfo.InvariantCulture));

            // The test ends the host by closing its standard input (or by killing it).
            await Task.Run(() => Console.In.ReadToEnd()).ConfigureAwait(false);
            await tunnel.StopAsync().ConfigureAwait(false);
            Console.Error.WriteLine("tunnel stopped: " + tunnel.Statistics);
            return 0;
        }

        private sealed class ConsoleLog : IRedisLog
        {
            public void Verbose(string message)
            {
            }

            public void Debug(string message)
            {
            }

            public void Warning(string message) => Console.Error.WriteLine("WARNING: " + message);
        }
    }
}

using System.Collections.Concurrent;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// One server has one script cache: a script run with EVAL on one primary must be there for an EVALSHA
    /// whose keys live on another, and SCRIPT EXISTS must say so. So the first EVAL of a script loads it on
    /// every primary (SCRIPT LOAD changes no data); this remembers which scripts were, until SCRIPT FLUSH.
    /// </summary>
    internal sealed class SmartScriptCache
    {
        /// <summary>Scripts remembered at most; past it the memory starts over, which only means loading again.</summary>
        private const int MaxRemembered = 10000;

        private readonly ConcurrentDictionary<string, bool> _everywhere = new ConcurrentDictionary<string, bool>();

        /// <summary>Loads the script of EVAL or EVAL_RO <paramref name="args"/> on every primary, once.</summary>
        public async Task LoadEverywhereAsync(SmartBackend backend, byte[][] args, CancellationToken cancellationToken)
        {
            if (args.Length < 2)
            {
                return;
            }

            string sha = Sha1(args[1]);
            if (_everywhere.ContainsKey(sha))
            {
                return;
            }

            try
            {
                var load = RedisCommand.Create(new[] { Encoding.ASCII.GetBytes("SCRIPT"), Encoding.ASCII.GetBytes("LOAD"), args[1] });
                var replies = await SmartFanOut.OnEveryPrimaryAsync(backend, load, cancellationToken).ConfigureAwait(false);
                if (replies.All(r => !r.IsError))
                {
                    if (_everywhere.Count >= MaxRemembered)
                    {
                        _everywhere.Clear();
                    }

                    _everywhere[sha] = true;
                }
            }
            catch (RedisException)
            {
                // The EVAL itself runs and reports what is wrong; loading elsewhere is tried again next time.
            }
        }

        /// <summary>SCRIPT FLUSH empties the primaries' caches: the scripts must be loaded again.</summary>
        public void Forget() => _everywhere.Clear();

        private static string Sha1(byte[] body)
        {
            using (SHA1 sha = SHA1.Create())
            {
                return string.Concat(sha.ComputeHash(body).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
    }
}

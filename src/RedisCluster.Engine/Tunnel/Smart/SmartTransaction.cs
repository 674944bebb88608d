using System.Collections.Generic;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Routing;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// One smart client's MULTI block and WATCH: commands queued locally and sent as one block at EXEC (so the block
    /// reaches one node whole), WATCH pinning the client to its slot's primary, and what a busy server answers to EXEC.
    /// </summary>
    internal sealed class SmartTransaction : SmartSessionPart
    {
        private readonly SmartPin _pin;
        private readonly SmartCommandRouter _router;

        private static readonly RespValue Queued = RespValue.SimpleString("QUEUED");

        public SmartTransaction(SmartSessionState state, SmartCommandRouter router)
            : base(state)
        {
            _pin = state.Pin;
            _router = router;
        }

        /// <summary>The commands queued since MULTI; null outside a block.</summary>
        public List<RedisCommand>? Multi { get; set; }

        /// <summary>A command of the block was refused, so EXEC answers EXECABORT.</summary>
        public bool MultiFailed { get; set; }

        /// <summary>
        /// What a server busy with a script answers (see <see cref="SmartBusyNodes"/>): BUSY, which fails a
        /// transaction being queued; an EXEC discards the transaction, and its WATCH, as Redis does.
        /// </summary>
        public async Task<RespValue> RefuseWhileBusyAsync(SmartBatch batch, string name, RespValue busy)
        {
            if (name != "EXEC")
            {
                MultiFailed |= Multi != null;
                return busy;
            }

            if (_pin.IsWatching)
            {
                // The WATCH's connection closes: what went before still needs it.
                await _router.RunQueuedAsync(batch).ConfigureAwait(false);
            }

            Multi = null;
            MultiFailed = false;
            _pin.Release();
            return SmartBusyNodes.ExecAborted(busy);
        }

        /// <summary>A command between MULTI and EXEC: queued, after checking that a WATCH's connection can run it.</summary>
        public async Task<RespValue> QueueAsync(byte[][] args)
        {
            var command = RedisCommand.Create(args);
            if (_pin.IsWatching)
            {
                IReadOnlyList<int> keys;
                try
                {
                    keys = await _backend.Cluster.GetKeyIndicesAsync(command, _abort.Token).ConfigureAwait(false);
                }
                catch (RedisException ex)
                {
                    MultiFailed = true;
                    return RespValue.Error("ERR tunnel: cannot tell the keys of " + command.Name + ": " + ErrorLines.OneLine(ex.Message));
                }

                if (!_router.AllInWatchedSlot(command, keys))
                {
                    // The block runs on the watched slot's connection; a key elsewhere would abort it there
                    // at every attempt, so it is refused now, as Redis refuses a command queued in error.
                    MultiFailed = true;
                    return CrossSlotExplainer.ExplainWatched(command, keys, _pin.WatchedSlot, _backend.Cluster.Slots);
                }
            }

            Multi!.Add(command);
            return Queued;
        }

        /// <summary>WATCH: all keys in one slot, and the slot of any WATCH before it; the client is then pinned to that slot's primary.</summary>
        public async Task<RespValue> WatchAsync(byte[][] args)
        {
            if (Multi != null)
            {
                return RespValue.Error("ERR WATCH inside MULTI is not allowed");
            }

            if (args.Length < 2)
            {
                return SmartLocalAnswers.WrongArity("WATCH");
            }

            var command = RedisCommand.Create(args);
            var keys = new int[args.Length - 1];
            int slot = HashSlot.GetSlot(args[1]);
            bool oneSlot = true;
            for (int k = 1; k < args.Length; k++)
            {
                keys[k - 1] = k;
                oneSlot &= HashSlot.GetSlot(args[k]) == slot;
            }

            if (!oneSlot)
            {
                return CrossSlotExplainer.Explain(RespValue.Error("CROSSSLOT Keys in request don't hash to the same slot"), command, keys, _backend.Cluster.Slots);
            }

            if (_pin.IsWatching && slot != _pin.WatchedSlot)
            {
                return CrossSlotExplainer.ExplainWatched(command, keys, _pin.WatchedSlot, _backend.Cluster.Slots);
            }

            return await _pin.WatchAsync(command, slot, _abort.Token).ConfigureAwait(false);
        }

        /// <summary>EXEC while a WATCH holds the client: the block runs where the keys are watched, and the WATCH ends either way.</summary>
        public async Task<RespValue> ExecWatchedAsync(RedisCommand exec)
        {
            try
            {
                if (MultiFailed)
                {
                    return RespValue.Error("EXECABORT Transaction discarded because of previous errors.");
                }

                // While blocking commands are in use only: in transit, it holds every other client's next batch for a round trip,
                // which applications that use WATCH for optimistic locking, and never block, should not pay.
                using (_backend.BlockingOrder.InUse ? _backend.BlockingOrder.EnterUntilAnswered() : null)
                {
                    return await _pin.ExecAsync(Multi!, exec, _abort.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                _pin.Release();
            }
        }
    }
}

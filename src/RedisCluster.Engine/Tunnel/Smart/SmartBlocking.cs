using System;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Threading.Tasks;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// One smart client's blocking commands (BLPOP, XREAD BLOCK, WAIT...): on a connection of the client's own to the
    /// key's primary, in the order they reached the tunnel, and given up when the client hangs up meanwhile.
    /// </summary>
    internal sealed class SmartBlocking : SmartSessionPart
    {
        private static readonly Task<int> NotBlocking = Task.FromResult(-1);

        private readonly SmartPin _pin;
        private readonly SmartClientState _client;
        private readonly Socket _socket;

        public SmartBlocking(SmartSessionState state)
            : base(state)
        {
            _pin = state.Pin;
            _client = state.Client;
            _socket = state.Socket;
        }

        /// <summary>
        /// A blocking command runs on a connection of this client's own to the key's primary, so a client
        /// blocked for minutes holds up nobody else's replies on the shared pipeline.
        /// </summary>
        public async Task<RespValue> RunBlockingAsync(RedisCommand command, byte[] key)
        {
            int slot = HashSlot.GetSlot(key);
            if (_pin.IsPinned && slot != _pin.WatchedSlot)
            {
                // The client's own connection is the one holding the WATCH, on the watched slot's primary.
                return RespValue.Error("ERR " + command.Name + " on a key outside the watched slot (" + _pin.WatchedSlot
                    + ") cannot run while WATCH holds this client's connection; UNWATCH first, or give the keys a common hash tag");
            }

            _client.Blocked = true;
            try
            {
                using (SmartBlockingOrder.Turn turn = await _backend.BlockingOrder.EnterAsync(_backend.OwnerOf(slot), _abort.Token).ConfigureAwait(false))
                {
                    // In transit now: a newcomer's first blocking command is ordered by the blocking order from here.
                    _state.Arrival.Done();
                    return await _pin.RunOnOwnerAsync(slot, connection =>
                    {
                        _client.BlockedOn = connection;
                        return WaitWatchingClientAsync(turn.Send(connection, command, _abort.Token));
                    }, _abort.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                _client.Blocked = false;
                _client.BlockedOn = null;
            }
        }

        /// <summary>
        /// Waits for a blocking reply, but gives up (closing the dedicated connection, which ends the wait on
        /// the server) when the client hangs up meanwhile: a BLPOP 0 must not outlive its client.
        /// </summary>
        private async Task<RespValue> WaitWatchingClientAsync(Task<RespValue> reply)
        {
            while (true)
            {
                Task done = await Task.WhenAny(reply, Task.Delay(500, _abort.Token)).ConfigureAwait(false);
                if (done == reply)
                {
                    return await reply.ConfigureAwait(false);
                }

                _abort.Token.ThrowIfCancellationRequested();
                bool gone;
                try
                {
                    gone = _socket.Poll(0, SelectMode.SelectRead) && _socket.Available == 0;
                }
                catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException)
                {
                    gone = true;
                }

                if (gone)
                {
                    _pin.Close();
                    throw new OperationCanceledException("The client closed its connection while blocked.");
                }
            }
        }

        /// <summary>
        /// For a command that can block (the server's COMMAND flags or ACL categories say so, module commands
        /// included; XREAD and XREADGROUP only with BLOCK), the argument index of the key that decides where it runs; -1 for any
        /// other command, or one without keys.
        /// </summary>
        public Task<int> BlockingKeyIndexAsync(RedisCommand command, CommandInfo? info)
        {
            // XREAD and XREADGROUP are flagged blocking but block only with BLOCK; MayBlock also knows the
            // classic names for servers whose COMMAND reply tells neither flag nor category (before 6.0).
            bool streams = command.Name == "XREAD" || command.Name == "XREADGROUP";
            bool blocks = command.MayBlock || (!streams && info?.IsBlocking == true);

            // Asked of every routed command, and almost none blocks: no async call for those.
            return blocks ? FirstKeyIndexAsync(command) : NotBlocking;
        }

        private async Task<int> FirstKeyIndexAsync(RedisCommand command)
        {
            IReadOnlyList<int> keys;
            try
            {
                keys = await _backend.Cluster.GetKeyIndicesAsync(command, _abort.Token).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // The router looks the keys up again and reports the failure in the command's reply.
                return -1;
            }

            return keys.Count > 0 ? keys[0] : -1;
        }
    }
}

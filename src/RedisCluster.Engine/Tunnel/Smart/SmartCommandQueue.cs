using System.Collections.Generic;
using RedisCluster.Engine.Commands;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// Commands of one smart client's read waiting to run one way (relayed, pinned or through the shared router), each
    /// with the position in the batch its reply goes to (-1: none of its own, as for the MULTI and queued commands of a
    /// block, whose replies are EXEC's). Commands and positions are added and cleared together, so they always pair up.
    /// </summary>
    internal sealed class SmartCommandQueue
    {
        private readonly List<RedisCommand> _commands = new List<RedisCommand>();
        private readonly List<int> _at = new List<int>();

        public int Count => _commands.Count;

        /// <summary>The commands in the client's order, as the router and the pinned connection take them.</summary>
        public IReadOnlyList<RedisCommand> Commands => _commands;

        public void Add(RedisCommand command, int at)
        {
            _commands.Add(command);
            _at.Add(at);
        }

        public RedisCommand Command(int index) => _commands[index];

        /// <summary>Where the reply of the command at <paramref name="index"/> goes in the batch; -1 for none.</summary>
        public int At(int index) => _at[index];

        public void Clear()
        {
            _commands.Clear();
            _at.Clear();
        }
    }
}

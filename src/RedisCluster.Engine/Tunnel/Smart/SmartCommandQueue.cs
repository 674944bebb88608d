using System.Collections.Generic;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Routing;

namespace RedisCluster.Engine.Tunnel.Smart
{
    /// <summary>
    /// Commands of one smart client's read waiting to run one way (relayed, pinned or through the shared router), each
    /// with the position in the batch its reply goes to (-1: none of its own, as for the MULTI and queued commands of a
    /// block, whose replies are EXEC's), and its route when the session has decided it. Commands and positions are added and
    /// cleared together, so they always pair up.
    /// </summary>
    internal sealed class SmartCommandQueue
    {
        private readonly List<DecidedCommand> _commands = new List<DecidedCommand>();
        private readonly List<int> _at = new List<int>();

        public int Count => _commands.Count;

        /// <summary>The commands in the client's order with their routes, as the shared router takes them.</summary>
        public IReadOnlyList<DecidedCommand> Decided => _commands;

        /// <summary>The commands in the client's order, as the pinned connection takes them.</summary>
        public RedisCommand[] ToCommands()
        {
            var commands = new RedisCommand[_commands.Count];
            for (int i = 0; i < commands.Length; i++)
            {
                commands[i] = _commands[i].Command;
            }

            return commands;
        }

        /// <param name="route">The route the session decided for it; null for the router to decide.</param>
        public void Add(RedisCommand command, int at, CommandRoute? route = null) => Add(new DecidedCommand(command, route), at);

        public void Add(DecidedCommand entry, int at)
        {
            _commands.Add(entry);
            _at.Add(at);
        }

        public RedisCommand Command(int index) => _commands[index].Command;

        /// <summary>The entry at <paramref name="index"/>, route included, to be queued again elsewhere.</summary>
        public DecidedCommand Entry(int index) => _commands[index];

        /// <summary>Where the reply of the command at <paramref name="index"/> goes in the batch; -1 for none.</summary>
        public int At(int index) => _at[index];

        public void Clear()
        {
            _commands.Clear();
            _at.Clear();
        }
    }
}

using RedisCluster.Engine.Commands;

namespace RedisCluster.Engine.Routing
{
    /// <summary>
    /// A command on its way to <see cref="ClusterRedisClient"/>, with the route its sender already decided for it (the
    /// smart tunnel decides every command's route before it knows whether it relays the command itself); null when
    /// none was decided, and the planner decides. Either way a command's route is decided once.
    /// </summary>
    internal readonly struct DecidedCommand
    {
        public DecidedCommand(RedisCommand command, CommandRoute? route = null)
        {
            Command = command;
            Route = route;
        }

        public RedisCommand Command { get; }

        public CommandRoute? Route { get; }

        public static DecidedCommand[] Undecided(System.Collections.Generic.IReadOnlyList<RedisCommand> commands)
        {
            var decided = new DecidedCommand[commands.Count];
            for (int i = 0; i < decided.Length; i++)
            {
                decided[i] = new DecidedCommand(commands[i]);
            }

            return decided;
        }
    }
}

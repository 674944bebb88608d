using System.Collections.Generic;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>Where a command's keys are, as far as the command table can tell.</summary>
    public sealed class KeyExtraction
    {
        private static readonly int[] None = new int[0];

        public KeyExtraction(CommandInfo? command, IReadOnlyList<int>? keyIndices, IReadOnlyList<int>? notKeyIndices, bool needsServerLookup)
        {
            Command = command;
            KeyIndices = keyIndices ?? None;
            NotKeyIndices = notKeyIndices ?? None;
            NeedsServerLookup = needsServerLookup;
        }

        /// <summary>The table entry used (the subcommand's for container commands); null when the table does not know the command.</summary>
        public CommandInfo? Command { get; }

        public bool IsKnownCommand => Command != null;

        /// <summary>Argument indices of the keys (0 is the command name), in key-spec order.</summary>
        public IReadOnlyList<int> KeyIndices { get; }

        /// <summary>
        /// Arguments that are not keys but are hashed to a slot like keys (the channels of SPUBLISH and
        /// SSUBSCRIBE, whose specs carry not_key). COMMAND GETKEYS does not return them.
        /// </summary>
        public IReadOnlyList<int> NotKeyIndices { get; }

        /// <summary>
        /// True when the specs cannot be trusted for this command (an incomplete or unknown spec, or movable
        /// keys without specs): ask the server with COMMAND GETKEYS. <see cref="KeyIndices"/> is then a best effort.
        /// </summary>
        public bool NeedsServerLookup { get; }

        public override string ToString()
            => (Command?.Name ?? "(unknown command)") + ": keys at [" + string.Join(",", KeyIndices) + "]" + (NeedsServerLookup ? ", ask the server" : string.Empty);
    }
}

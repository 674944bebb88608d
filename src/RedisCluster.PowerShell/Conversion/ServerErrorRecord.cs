using System.Management.Automation;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;

namespace RedisCluster.PowerShell.Conversion
{
    /// <summary>The ErrorRecord for a Redis error reply: ID from its prefix, a category that fits, the command and server in the details.</summary>
    internal static class ServerErrorRecord
    {
        /// <param name="message">The reply's text, secrets already masked (<see cref="RedisCommand.Scrub"/>).</param>
        /// <param name="context">Where the command stood, e.g. "command 2 of 3 in the transaction, "; empty for a lone command.</param>
        public static ErrorRecord For(RedisCommand command, string message, RedisEndpoint endpoint, string context = "")
        {
            string display = command.ToDisplayString();
            var error = new RedisServerErrorException(message, display);
            var record = new ErrorRecord(error, "RedisServerError." + error.Prefix, ServerErrorCategory.For(error.Prefix, message), display);
            record.ErrorDetails = new ErrorDetails(message + " (" + context + "command: " + display + ", server: " + endpoint + ")");
            return record;
        }
    }
}

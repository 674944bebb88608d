using RedisCluster.Engine.Errors;

namespace RedisCluster.Engine.Transactions
{
    /// <summary>
    /// The slot of a transaction moved (MOVED) before anything of it ran: the topology is refreshed and the whole
    /// attempt starts again on the new owner. Raised once more, it reaches the caller.
    /// </summary>
    internal sealed class TransactionRestart : RedisException
    {
        public TransactionRestart(string message)
            : base(message)
        {
        }
    }
}

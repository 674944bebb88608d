namespace RedisCluster.Engine.Errors
{
    /// <summary>
    /// A transaction that could not run as asked: the server refused a queued command (EXECABORT, so nothing ran),
    /// or the block asked for something a transaction cannot do. A watched key that changed is not an exception
    /// but an outcome (<see cref="Transactions.TransactionStatus.Aborted"/>).
    /// </summary>
    public sealed class RedisTransactionException : RedisException
    {
        public RedisTransactionException(string message)
            : base(message)
        {
        }
    }
}

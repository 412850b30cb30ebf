using Microsoft.ML.Data;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// The lazy output of a scorer: input columns pass through, the task's columns (<see cref="PredictionColumns"/>) are computed
/// in batched forward passes as the cursor advances. A second cursor over the input reads features ahead,
/// one batch at a time, in step with the cursor that serves the passed-through columns.
/// </summary>
internal sealed class ScoredDataView : IDataView
{
    private readonly ScorerTransformer _scorer;
    private readonly IDataView _input;
    private readonly DataViewSchema.Column _features;

    public ScoredDataView(ScorerTransformer scorer, IDataView input)
    {
        _scorer = scorer;
        _input = input;
        Schema = scorer.GetOutputSchema(input.Schema);
        _features = input.Schema[scorer.FeatureColumnName];
    }

    public DataViewSchema Schema { get; }
    public bool CanShuffle => false;
    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        int inputCount = _input.Schema.Count;
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        var inputColumns = needed.Where(i => i < inputCount).Select(i => _input.Schema[i]).ToList();
        var main = _input.GetRowCursor(inputColumns);
        var ahead = needed.Any(i => i >= inputCount) ? _input.GetRowCursor(new[] { _features }) : null;
        return new Cursor(this, main, ahead, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private const int BatchRows = 512;
        private readonly ScoredDataView _parent;
        private readonly DataViewRowCursor _main;
        private readonly DataViewRowCursor? _ahead;
        private readonly ValueGetter<VBuffer<float>>? _getFeatures;
        private readonly HashSet<int> _needed;
        private readonly int _inputCount, _featureSize, _classes;
        private readonly float[] _featureBatch;
        private float[] _probabilities = Array.Empty<float>();
        private int _filled, _index = -1;
        private VBuffer<float> _buffer;

        public Cursor(ScoredDataView parent, DataViewRowCursor main, DataViewRowCursor? ahead, HashSet<int> needed)
        {
            _parent = parent;
            _main = main;
            _ahead = ahead;
            _needed = needed;
            _inputCount = parent._input.Schema.Count;
            _featureSize = parent._scorer.FeatureSize;
            _classes = parent._scorer.PredictionWidth;
            _featureBatch = ahead is null ? Array.Empty<float>() : new float[BatchRows * _featureSize];
            _getFeatures = ahead?.GetGetter<VBuffer<float>>(parent._features);
        }

        public override DataViewSchema Schema => _parent.Schema;
        public override long Position => _main.Position;
        public override long Batch => _main.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index < _inputCount ? _main.IsColumnActive(_parent._input.Schema[column.Index]) : _needed.Contains(column.Index);

        public override bool MoveNext()
        {
            if (!_main.MoveNext()) return false;
            if (_ahead is not null && ++_index >= _filled) FillBatch();
            return true;
        }

        private void FillBatch()
        {
            int rows = 0;
            while (rows < BatchRows && ReadNext())
            {
                if (_buffer.Length != _featureSize)
                    throw new InvalidOperationException($"Features column '{_parent._scorer.FeatureColumnName}' has {_buffer.Length} values in row {_ahead!.Position}; the model expects {_featureSize}.");
                _buffer.CopyTo(_featureBatch.AsSpan(rows * _featureSize, _featureSize));
                rows++;
            }
            if (rows == 0) throw new InvalidOperationException("The input data returned fewer rows to the feature reader than to the row cursor; the data view is not repeatable.");
            _probabilities = _parent._scorer.PredictProbabilities(_featureBatch.AsSpan(0, rows * _featureSize), rows);
            _filled = rows;
            _index = 0;
        }

        /// <summary>Moves the feature reader and reads the features; an upstream failure (an unreadable image) names the row.</summary>
        private bool ReadNext()
        {
            try
            {
                if (!_ahead!.MoveNext()) return false;
                _getFeatures!(ref _buffer);
                return true;
            }
            catch (Exception e) when (Data.RowReadFailure.IsReadFailure(e))
            {
                throw Data.RowReadFailure.Wrap(_parent._input, _parent._scorer.FeatureColumnName, "input", e);
            }
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < _inputCount) return _main.GetGetter<TValue>(_parent._input.Schema[column.Index]);
            if (!IsColumnActive(column)) throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
            return PredictionColumns.Getter<TValue>(_parent._scorer.Output, column.Index - _inputCount, column.Name,
                () => _probabilities.AsSpan(_index * _classes, _classes));
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _main.Dispose();
                _ahead?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

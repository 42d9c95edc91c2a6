"""P2 peer: pandas read_csv + scikit-learn ColumnTransformer, and LogisticRegression.

usage: pandas_sklearn.py <feature|lr> <csv> <reps>   -> one JSON object on stdout
"""
import json
import resource
import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = [f"n{j}" for j in range(16)]
CATEGORIES = ["c0", "c1", "c2", "c3"]


def transformer():
    return ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), NUMERIC),
            ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                  OneHotEncoder(sparse_output=False, handle_unknown="ignore")), CATEGORIES),
        ],
        sparse_threshold=0,
    )


def main():
    mode, csv, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    out = {}
    if mode == "feature":
        times, read = [], []
        for _ in range(reps):
            t0 = time.perf_counter()
            df = pd.read_csv(csv)
            t1 = time.perf_counter()
            X = transformer().fit_transform(df)
            t2 = time.perf_counter()
            read.append((t1 - t0) * 1000)
            times.append((t2 - t0) * 1000)
            out["shape"] = list(X.shape)
            del df, X
        out.update(times=times, read=read)
    elif mode == "lr":
        df = pd.read_csv(csv)
        X = transformer().fit_transform(df)
        y = (df["label"] == "yes").to_numpy()
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=1)
        fit = []
        for _ in range(reps):
            t0 = time.perf_counter()
            model = LogisticRegression(max_iter=100).fit(Xtr, ytr)
            fit.append((time.perf_counter() - t0) * 1000)
        out.update(fit=fit, accuracy=float((model.predict(Xte) == yte).mean()), iterations=int(model.n_iter_[0]))
    else:
        raise SystemExit(f"unknown mode {mode}")
    out["maxRssMB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()

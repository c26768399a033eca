"""What the object-storage tests ask of the local S3 server (moto), through the
clients a data team uses: boto3 for buckets and objects, pyarrow.dataset to read an
export back. The endpoint is S3_ENDPOINT; keys are AWS_ACCESS_KEY_ID/SECRET.

    create BUCKET             make a bucket
    put BUCKET KEY TEXT       write an object tally did not write
    list BUCKET PREFIX        each object under PREFIX: key, size, sha256
    months BUCKET PREFIX      line_items read back with pyarrow.dataset (hive
                              partitioning): month, sum(charge), exactly
    user                      an IAM user with a key (printed: id, secret)
"""
import hashlib
import os
import sys

import boto3

endpoint = os.environ["S3_ENDPOINT"]


def client(service="s3"):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
    )


def main(args):
    command = args[0]
    if command == "create":
        client().create_bucket(Bucket=args[1])
    elif command == "put":
        client().put_object(Bucket=args[1], Key=args[2], Body=args[3].encode())
    elif command == "list":
        s3 = client()
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=args[1], Prefix=args[2])
        for page in pages:
            for obj in page.get("Contents", []):
                body = s3.get_object(Bucket=args[1], Key=obj["Key"])["Body"].read()
                print(obj["Key"], len(body), hashlib.sha256(body).hexdigest())
    elif command == "months":
        import pyarrow.compute as pc
        import pyarrow.dataset as ds
        from pyarrow import fs

        s3fs = fs.S3FileSystem(
            endpoint_override=endpoint,
            scheme="http",
            region="us-east-1",
            access_key=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
            secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
        )
        data = ds.dataset(
            f"{args[1]}/{args[2]}/line_items", filesystem=s3fs, format="parquet",
            partitioning="hive",
        )
        table = data.to_table(columns=["month", "charge"])
        sums = table.group_by("month").aggregate([("charge", "sum")])
        for month, charge in sorted(zip(sums["month"].to_pylist(), sums["charge_sum"].to_pylist())):
            print(f"{month},{charge}")
    elif command == "user":
        iam = client("iam")
        iam.create_user(UserName="tally")
        key = iam.create_access_key(UserName="tally")["AccessKey"]
        iam.put_user_policy(
            UserName="tally",
            PolicyName="all",
            PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
        )
        print(key["AccessKeyId"], key["SecretAccessKey"])
    else:
        sys.exit(f"unknown command {command}")


main(sys.argv[1:])

// Every service the simulator serves.
import type { SimService } from "../wire/service.js";
import { cloudHsmService } from "./cloudhsm.js";
import { cloudTrailService } from "./cloudtrail.js";
import { configService } from "./config.js";
import { dynamodbService } from "./dynamodb.js";
import { ec2Service } from "./ec2.js";
import { elbv2Service } from "./elbv2.js";
import { iamService } from "./iam.js";
import { kmsService } from "./kms.js";
import { organizationsService } from "./organizations.js";
import { rdsService } from "./rds.js";
import { s3Service } from "./s3.js";
import { secretsManagerService } from "./secretsmanager.js";
import { stsService } from "./sts.js";

export function allServices(): SimService[] {
  return [
    ec2Service(),
    rdsService(),
    iamService(),
    stsService(),
    organizationsService(),
    kmsService,
    dynamodbService,
    secretsManagerService,
    cloudTrailService,
    configService,
    s3Service,
    elbv2Service(),
    cloudHsmService,
  ];
}
